import CairnCrypto
import CairnNet
import Foundation
import NIOCore

/// A file a soak client stored: what it must read back, and where to delete it (only its owner may).
struct SoakFile: Sendable {
    var id: String
    var cap: String
    var size: Int
    var sha256: Key256
    /// Index of the peer that stored it: its identity owns the file.
    var owner: Int
}

/// One soak client: puts, gets and deletes through the HTTP API of any peer, as a user's program would, each
/// request on its own connection. Every get is checked against the size and SHA-256 of what was put.
struct SoakClient: Sendable {
    let index: Int
    /// One API client per peer of the cluster.
    let apis: [APIClient]
    let workload: SoakWorkload
    let ledger: SoakLedger
    /// 1 MiB of random bytes; each MiB of each file is this with its own 16-byte prefix, so that no two
    /// segments in the network are alike (nothing deduplicates) and no random generator runs in the loop.
    let template: [UInt8]

    init(index: Int, apis: [APIClient], workload: SoakWorkload, ledger: SoakLedger) {
        self.index = index
        self.apis = apis
        self.workload = workload
        self.ledger = ledger
        self.template = Random.bytes(1 << 20)
    }

    /// Runs the mix until `deadline`; returns the files still stored, for the caller to delete.
    func run(until deadline: ContinuousClock.Instant) async -> [SoakFile] {
        var random = SystemRandomNumberGenerator()
        var files: [SoakFile] = []
        var serial = 0
        while ContinuousClock.now < deadline {
            switch workload.nextOperation(live: files.count, using: &random) {
            case .put:
                serial += 1
                let peer = Int.random(in: 0..<apis.count, using: &random)
                let size = workload.nextSize(using: &random)
                do {
                    files.append(try await put(size: size, name: "soak-\(index)-\(serial)", through: peer))
                    await ledger.succeeded(.put, bytes: size)
                } catch {
                    await ledger.failed(.put, error)
                }
            case .get:
                let file = files[Int.random(in: 0..<files.count, using: &random)]
                do {
                    try await get(file, through: Int.random(in: 0..<apis.count, using: &random))
                    await ledger.succeeded(.get, bytes: file.size)
                } catch {
                    await ledger.failed(.get, error)
                }
            case .delete:
                let position = Int.random(in: 0..<files.count, using: &random)
                // A file whose delete failed stays listed: the final clean-up tries it again.
                if await delete(files[position]) { files.remove(at: position) }
            }
        }
        return files
    }

    /// Deletes `file` through its owner; records the outcome; true when it is gone.
    func delete(_ file: SoakFile) async -> Bool {
        do {
            let reply = try await apis[file.owner].send(.DELETE, "/api/v0/files/\(file.id)")
            guard reply.status == .ok else {
                throw APIClient.error(status: reply.status, body: Data(reply.body.readableBytesView))
            }
            await ledger.succeeded(.delete)
            return true
        } catch {
            await ledger.failed(.delete, error)
            return false
        }
    }

    private func put(size: Int, name: String, through peer: Int) async throws -> SoakFile {
        let api = apis[peer]
        let nonce = UInt64.random(in: .min ... .max)
        var hasher = StreamingSHA256()
        var reply = APIClient.Reply(status: .ok, body: ByteBuffer())
        try await api.exchange(
            .POST, "/api/v0/files?name=\(name)", contentLength: UInt64(size),
            body: { writer in
                var sent = 0
                var block: UInt64 = 0
                while sent < size {
                    var chunk = template[0..<min(template.count, size - sent)]
                    withUnsafeBytes(of: (nonce, block)) { prefix in
                        let count = min(prefix.count, chunk.count)
                        chunk.replaceSubrange(chunk.startIndex..<chunk.startIndex + count, with: prefix.prefix(count))
                    }
                    chunk.withUnsafeBytes { hasher.update($0) }
                    try await writer.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
                    sent += chunk.count
                    block += 1
                }
            },
            onHead: { reply.status = $0.status },
            onBody: {
                var part = $0; reply.body.writeBuffer(&part)
            })
        let result = try api.decode(reply, as: PutResult.self)
        guard result.size == UInt64(size) else {
            throw CLIError("put \(name) stored \(result.size) bytes instead of \(size)")
        }
        return SoakFile(id: result.id, cap: result.cap, size: size, sha256: hasher.finish(), owner: peer)
    }

    private func get(_ file: SoakFile, through peer: Int) async throws {
        var hasher = StreamingSHA256()
        var received = 0
        try await apis[peer].download("/api/v0/files/\(file.cap)", progress: nil) { chunk in
            chunk.withUnsafeReadableBytes { hasher.update($0) }
            received += chunk.readableBytes
        }
        guard received == file.size, hasher.finish() == file.sha256 else {
            throw CLIError(
                "get of \(file.id) through peer \(peer) returned \(received) bytes that differ from the "
                    + "\(file.size) put")
        }
    }
}
