import ArgumentParser
import CairnCrypto
import CairnNet
import CairnPeer
import Foundation
import NIOCore

/// Put and get throughput on a real local cluster: one large file through the CLI's streaming client, then
/// many 4 KiB files through the HTTP API, and the peak resident memory of every peer.
struct BenchFilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files", abstract: "Put/get MB/s, small-file puts/s and gets/s, and peak peer memory on a local cluster.")

    @Option(help: "Peers in the cluster.") var peers: Int = 10
    @Option(help: "Size of the large file, e.g. 256MiB.") var size: String = "256MiB"
    @Option(help: "Number of small files.") var smallFiles: Int = 400
    @Option(help: "Size of each small file, bytes.") var smallBytes: Int = 4096
    @Option(help: "Small-file requests in flight.") var concurrency: Int = 16
    @Option(help: "First TCP port of the cluster.") var basePort: Int = 4500
    @Option(help: "Directory for the cluster (default: a temporary one, removed after).") var dir: String?
    @Flag(help: "Print JSON.") var json = false

    struct Report: Codable {
        var peers: Int
        var bytes: UInt64
        var putMBPerSecond: Double
        var getMBPerSecond: Double
        var smallPutsPerSecond: Double
        var smallGetsPerSecond: Double
        var peakRSSMiBUploader: Double
        var peakRSSMiBDownloader: Double
        var peakRSSMiBMax: Double

        enum CodingKeys: String, CodingKey {
            case peers, bytes
            case putMBPerSecond = "put_mb_s"
            case getMBPerSecond = "get_mb_s"
            case smallPutsPerSecond = "small_puts_per_s"
            case smallGetsPerSecond = "small_gets_per_s"
            case peakRSSMiBUploader = "peak_rss_mib_uploader"
            case peakRSSMiBDownloader = "peak_rss_mib_downloader"
            case peakRSSMiBMax = "peak_rss_mib_max"
        }
    }

    func validate() throws {
        guard peers >= 2 else { throw ValidationError("--peers must be at least 2") }
        guard ByteSize.parse(size) != nil else { throw ValidationError("--size '\(size)' is not a size") }
        guard smallFiles >= 1, concurrency >= 1, smallBytes >= 1 else {
            throw ValidationError("--small-files, --small-bytes and --concurrency must be positive")
        }
    }

    func run() async throws {
        let directory = dir ?? NSTemporaryDirectory() + "cairn-bench-\(getpid())"
        let cluster = LocalCluster(directory: directory)
        try cluster.start(peers: peers, basePort: basePort, logLevel: "warning")
        defer {
            cluster.stopAll()
            if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        try await cluster.waitUntilJoined(timeout: 60)
        let uploader = cluster.members[1 % peers]
        let downloader = cluster.members[min(7, peers - 1)]
        let upClient = try uploader.client
        let downClient = try downloader.client

        // The large file, through the streaming client as `cairn put` / `cairn get` do it.
        let bytes = ByteSize.parse(size)!
        let input = directory + "/bench-input"
        try writeRandomFile(input, bytes: bytes)
        let clock = ContinuousClock()
        var started = clock.now
        let put = try await upClient.upload(UploadSource(path: input), to: "/api/v0/files?name=bench", progress: nil,
                                            as: PutResult.self)
        let putSeconds = (clock.now - started).secondsDouble
        started = clock.now
        var received: UInt64 = 0
        try await downClient.download("/api/v0/files/\(put.cap)", progress: nil) { received += UInt64($0.readableBytes) }
        let getSeconds = (clock.now - started).secondsDouble
        guard received == bytes else { throw CLIError("got \(received) bytes back instead of \(bytes)") }

        // Many small files through the HTTP API: `concurrency` clients, each on its own kept-alive connection.
        let payload = ByteBuffer(bytes: Random.bytes(smallBytes))
        started = clock.now
        let capabilities = try await inParallel(count: smallFiles, clients: concurrency, api: upClient) {
            session, index in
            let reply = try await session.send(.POST, "/api/v0/files?name=small-\(index)", body: payload)
            return try upClient.decode(reply, as: PutResult.self).cap
        }
        let smallPutSeconds = (clock.now - started).secondsDouble
        started = clock.now
        _ = try await inParallel(count: smallFiles, clients: concurrency, api: downClient) { session, index in
            let reply = try await session.send(.GET, "/api/v0/files/\(capabilities[index])")
            guard reply.status == .ok, reply.body.readableBytes == smallBytes else {
                throw CLIError("small get \(index) failed with status \(reply.status.code)")
            }
            return ""
        }
        let smallGetSeconds = (clock.now - started).secondsDouble

        let peaks = cluster.members.map { peakResidentMiB(pid: $0.pid) }
        let report = Report(
            peers: peers, bytes: bytes,
            putMBPerSecond: Double(bytes) / putSeconds / 1e6, getMBPerSecond: Double(bytes) / getSeconds / 1e6,
            smallPutsPerSecond: Double(smallFiles) / smallPutSeconds, smallGetsPerSecond: Double(smallFiles) / smallGetSeconds,
            peakRSSMiBUploader: peaks[1 % peers], peakRSSMiBDownloader: peaks[min(7, peers - 1)],
            peakRSSMiBMax: peaks.max() ?? 0)
        if json { return try printJSON(report) }
        printTable(["MEASURE", "VALUE", "TARGET"], [
            ["put \(Progress.size(bytes))", String(format: "%.0f MB/s", report.putMBPerSecond), "≥ 150 MB/s"],
            ["get \(Progress.size(bytes))", String(format: "%.0f MB/s", report.getMBPerSecond), "≥ 400 MB/s"],
            ["\(smallBytes) B puts (HTTP API)", String(format: "%.0f /s", report.smallPutsPerSecond), "≥ 200 /s"],
            ["\(smallBytes) B gets (HTTP API)", String(format: "%.0f /s", report.smallGetsPerSecond), "≥ 600 /s"],
            ["peak RSS uploader", String(format: "%.0f MiB", report.peakRSSMiBUploader), "< 300 MiB"],
            ["peak RSS downloader", String(format: "%.0f MiB", report.peakRSSMiBDownloader), "< 300 MiB"],
            ["peak RSS any peer", String(format: "%.0f MiB", report.peakRSSMiBMax), ""],
        ])
        print("\(peers) peers on 127.0.0.1; small files: \(concurrency) clients, each on a kept-alive connection")
    }

    private func writeRandomFile(_ path: String, bytes: UInt64) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var left = bytes
        let block = Random.bytes(1 << 20)
        var counter: UInt64 = 0
        while left > 0 {
            // Vary each block so that no two segments are alike.
            var chunk = block
            withUnsafeBytes(of: counter) { chunk.replaceSubrange(0..<8, with: $0) }
            counter += 1
            let take = Int(min(left, UInt64(chunk.count)))
            try handle.write(contentsOf: chunk[0..<take])
            left -= UInt64(take)
        }
    }
}

/// Runs `body` for 0..<count on `clients` sessions in parallel (client c takes c, c+clients, ...); returns the
/// results by index.
func inParallel(
    count: Int, clients: Int, api: APIClient,
    _ body: @escaping @Sendable (inout APISession, Int) async throws -> String
) async throws -> [String] {
    try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
        for client in 0..<min(clients, count) {
            group.addTask {
                try await api.withSession { session in
                    var results: [(Int, String)] = []
                    for index in stride(from: client, to: count, by: clients) {
                        results.append((index, try await body(&session, index)))
                    }
                    return results
                }
            }
        }
        var results = [String](repeating: "", count: count)
        for try await batch in group { for (index, value) in batch { results[index] = value } }
        return results
    }
}

/// VmHWM: the most resident memory the process has had.
func peakResidentMiB(pid: Int32) -> Double {
    ResidentMemory.of(pid: pid)?.peakMiB ?? 0
}
