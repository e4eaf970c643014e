import ArgumentParser
import CairnAPI
import CairnCrypto
import CairnNet
import CairnStorage
import Foundation

struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a file: encrypted here, erasure-coded across providers. Prints its ID and read capability.")

    @Argument(help: "The file to store; - for standard input (a pipe or FIFO is streamed to its end).") var file: String
    @Option(help: "Name to record (default: the file's name).") var name: String?
    @Option(help: "Shards needed to rebuild a segment (default from the network parameters).") var k: Int?
    @Option(help: "Shards made per segment, on n distinct providers.") var n: Int?
    @OptionGroup var options: APIOptions

    func validate() throws {
        if let k, k < 1 { throw ValidationError("--k must be at least 1") }
        if let n, let k, n <= k { throw ValidationError("--n must be larger than --k") }
    }

    func run() async throws {
        let source = try UploadSource(path: file)
        var query = "name=\(percentEncoded(name ?? source.defaultName))"
        if let k { query += "&k=\(k)" }
        if let n { query += "&n=\(n)" }
        let result = try await options.client().upload(
            source, to: "/api/v0/files?\(query)", progress: Progress.ifTerminal("put", total: source.size),
            as: PutResult.self)
        if options.json { return try printJSON(result) }
        print("id:   \(result.id)")
        print("cap:  \(result.cap)")
        print("size: \(result.size) bytes, \(result.k)-of-\(result.n) over \(result.providers) providers, "
            + String(format: "%.2f s (%.1f MB/s)", result.seconds, Double(result.size) / max(result.seconds, 1e-6) / 1e6))
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Fetch a file by ID (owner or grantee) or read capability; to stdout or -o FILE.")

    @Argument(help: "File ID (64 hex) or read capability (cairn:<id>:<key>).") var reference: String
    @Option(name: .shortAndLong, help: "Write here instead of standard output; into it under the file's name if it is a directory. Only a regular file is ever replaced.") var output: String?
    @OptionGroup var options: APIOptions

    struct Result: Codable {
        var id: String
        var size: UInt64
        var sha256: String
        var seconds: Double
        var output: String?
    }

    func run() async throws {
        let fileID = (try? ReadCapability(parsing: reference))?.fileID.hex ?? reference
        let output = self.output == "-" ? nil : self.output
        // With -o, the target is settled once the peer has answered (a directory needs the file's name), and
        // the bytes go to a partial file next to it until the download is complete.
        var target: DownloadTarget?
        var sink: FileHandle? = output == nil ? FileHandle.standardOutput : nil
        var hasher = StreamingSHA256()
        var size: UInt64 = 0
        var announced: UInt64?
        let started = Date()
        do {
            try await options.client().download(
                "/api/v0/files/\(percentEncoded(reference))",
                progress: output == nil ? nil : Progress.ifTerminal("get", total: nil),
                onHead: { head in
                    announced = head.headers.first(name: "Content-Length").flatMap(UInt64.init) ?? 0
                    guard let output else { return }
                    let name = head.headers.first(name: "Content-Disposition").flatMap(ContentDisposition.fileName)
                    let resolved = try DownloadTarget(output: output, fileName: name)
                    target = resolved
                    sink = try resolved.openPartial()
                }
            ) { chunk in
                guard let sink else { throw CLIError("the peer sent a body before its answer's head") }
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                size += UInt64(chunk.readableBytes)
                try sink.write(contentsOf: chunk.readableBytesView)
            }
            if let target, let sink { try target.commit(sink) }
        } catch {
            target?.discard()
            // After a 200 the peer can only cut the body short; it keeps the reason for us to ask.
            if let announced { throw await Self.explainCut(fileID, got: size, of: announced, error, options: options) }
            throw error
        }
        let written = target?.path
        let result = Result(id: fileID, size: size, sha256: hasher.finish().hex,
                            seconds: Date().timeIntervalSince(started), output: written)
        guard written != nil || options.json else { return }
        if options.json {
            // With the file on stdout, the summary goes to stderr so the two never mix.
            let data = try JSONEncoder.cairn.encode(result)
            if written == nil { FileHandle.standardError.write(data + Data("\n".utf8)) } else { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        print("got \(size) bytes into \(written ?? "-") in " + String(format: "%.2f s", result.seconds))
        print("sha256: \(result.sha256)")
    }
}

extension GetCommand {
    /// Why a download that had started stopped: the peer's record of the failed segment
    /// (`GET /api/v0/files/{id}/last-error`), or what the connection said when the peer has none.
    static func explainCut(_ fileID: String, got: UInt64, of size: UInt64, _ error: Error, options: APIOptions) async
        -> CLIError
    {
        let prefix = "the download stopped after \(got) of \(size) bytes"
        // The peer had handed over at least what arrived here; an older failure of the same file, further back
        // in it, is not this one.
        if let failure = try? await options.client().json(.GET, "/api/v0/files/\(fileID)/last-error",
                                                          as: DownloadFailure.self), failure.offset >= got {
            return CLIError("\(prefix): segment \(failure.segment) of \(failure.segments) failed: \(failure.error)")
        }
        return CLIError("\(prefix): \(error)")
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the files this peer's identity stored.")
    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/files", as: FileListResponse.self)
        if options.json { return try printJSON(reply) }
        printTable(["NAME", "SIZE", "ID", "CREATED"], reply.files.map { [$0.name, "\($0.size)", $0.id, $0.created] })
        print("\(reply.files.count) files")
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete a file you own from every provider (they check your signature).")
    @Argument(help: "File ID.") var id: String
    @OptionGroup var options: APIOptions

    func validate() throws { _ = try parseKey(id) }

    func run() async throws {
        let reply = try await options.client().json(.DELETE, "/api/v0/files/\(try parseKey(id).hex)", as: RemoveResult.self)
        if options.json { return try printJSON(reply) }
        print("deleted \(reply.id): \(reply.deletedShards) shards removed from their providers")
    }
}

struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Grant another peer's identity read access to a file you own.")
    @Argument(help: "File ID.") var id: String
    @Option(help: "The grantee's PeerID.") var to: String
    @OptionGroup var options: APIOptions

    func validate() throws {
        _ = try parseKey(id)
        _ = try parseKey(to)
    }

    func run() async throws {
        let reply = try await options.client().json(
            .POST, "/api/v0/files/\(try parseKey(id).hex)/share?to=\(try parseKey(to).hex)", as: ShareResult.self)
        if options.json { return try printJSON(reply) }
        print("shared \(reply.id) with \(reply.to) (grant kept by \(reply.storedAt) peers)")
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Storage used and free on this peer.")
    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/status", as: StatusResponse.self)
        if options.json { return try printJSON(reply) }
        print("peer:     \(reply.id)")
        print("capacity: \(Progress.size(reply.capacity))")
        print("used:     \(Progress.size(reply.used)) in \(reply.shards) shards")
        let free = reply.free ?? (reply.capacity > reply.used ? reply.capacity - reply.used : 0)
        print("free:     \(Progress.size(free))")
        print("files:    \(reply.files) stored by this peer's identity")
    }
}

func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?/#"))) ?? text
}
