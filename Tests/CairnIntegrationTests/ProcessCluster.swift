import CairnCrypto
import Foundation
import Testing

/// Real `cairn run` processes on 127.0.0.1 for end-to-end tests. Every process it starts it also stops,
/// by PID, when `stopAll` runs (tests call it in `defer`).
final class ProcessCluster: @unchecked Sendable {
    struct Peer {
        var index: Int
        var id: String
        var listenPort: Int
        var apiPort: Int
        var data: String
        var process: Process?

        var api: String { "127.0.0.1:\(apiPort)" }
        var listen: String { "127.0.0.1:\(listenPort)" }
        /// The API token `cairn init` wrote into the data directory.
        var token: String {
            let text = (try? String(contentsOfFile: data + "/api-token", encoding: .utf8)) ?? ""
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CAIRN_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/cairn").path
    }

    let directory: String
    private(set) var peers: [Peer] = []

    init() throws {
        directory = NSTemporaryDirectory() + "cairn-it-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts `count` peers, peer 0 being everyone's bootstrap peer, and waits until each knows the others.
    /// `perPeer` adds arguments to some peers only (e.g. a smaller capacity, a skewed clock).
    func start(count: Int, extraArguments: [String] = [], perPeer: [Int: [String]] = [:]) throws {
        for index in 0..<count {
            var peer = Peer(index: index, id: "", listenPort: try freePort(), apiPort: try freePort(),
                            data: "\(directory)/peer-\(index)", process: nil)
            peer.id = try runCLI(["init", "--data", peer.data]).trimmingCharacters(in: .whitespacesAndNewlines)
            peers.append(peer)
            try launch(index, bootstrap: index == 0 ? nil : peers[0].listen,
                       extraArguments: extraArguments + (perPeer[index] ?? []))
            if index == 0 { try waitForAPI(0) }
        }
        try waitUntil(timeout: 60) { self.peers.indices.allSatisfy { (try? self.knownCount($0)) ?? 0 >= min(count - 1, 10) } }
    }

    /// (Re)starts peer `index` with its data directory and ports.
    func launch(_ index: Int, bootstrap: String?, extraArguments: [String] = []) throws {
        let peer = peers[index]
        var arguments = ["run", "--data", peer.data, "--listen", peer.listen, "--api", peer.api, "--log-level", "info"]
        if let bootstrap { arguments += ["--bootstrap", bootstrap] } else { arguments += ["--bootstrap", peer.listen] }
        arguments += extraArguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let log = peer.data + "/log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        peers[index].process = process
    }

    func waitForAPI(_ index: Int) throws {
        try waitUntil(timeout: 20) { (try? self.cli(index, ["id"])) != nil }
    }

    /// SIGKILLs a peer (no goodbye, no saved state beyond what it already wrote).
    func kill9(_ index: Int) {
        guard let process = peers[index].process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        peers[index].process = nil
    }

    /// SIGTERMs a peer and waits for a clean exit.
    func terminate(_ index: Int) -> Int32? {
        guard let process = peers[index].process else { return nil }
        process.terminate()
        process.waitUntilExit()
        peers[index].process = nil
        return process.terminationStatus
    }

    func stopAll() {
        for index in peers.indices where peers[index].process != nil {
            let process = peers[index].process!
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            peers[index].process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func knownCount(_ index: Int) throws -> Int {
        let json = try cli(index, ["peers", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["peers"] as? [Any])?.count ?? 0
    }

    /// Runs a CLI command against peer `index`'s API, with its token, and returns stdout; throws on a non-zero
    /// exit.
    @discardableResult
    func cli(_ index: Int, _ arguments: [String]) throws -> String {
        try runCLI(arguments + ["--api", peers[index].api, "--data", peers[index].data])
    }

    /// What a CLI command against peer `index` printed on standard error when it failed, or "(succeeded)".
    func failure(_ index: Int, _ arguments: [String]) -> String {
        do {
            try cli(index, arguments)
            return "(succeeded)"
        } catch let failure as CLIFailure {
            return failure.stderr
        } catch {
            return "\(error)"
        }
    }

    func json(_ index: Int, _ arguments: [String]) throws -> [String: Any] {
        let text = try cli(index, arguments + ["--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var status: Int32
    var stderr: String
    var description: String { "cairn exited \(status): \(stderr)" }
}

/// Runs the cairn binary to completion, with `environment` added to this process's.
@discardableResult
func runCLI(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ProcessCluster.binary)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CLIFailure(status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
    }
    return String(decoding: stdout, as: UTF8.self)
}

/// A port below the kernel's ephemeral range (32768 and up by default), so that no outgoing connection can
/// take it between this check and the peer's bind, and not handed out before in this test process.
func freePort() throws -> Int {
    for _ in 0..<500 {
        let port = Int.random(in: 20_000..<32_000)
        guard PortClaims.claim(port), canBind(port) else { continue }
        return port
    }
    throw CLIFailure(status: -1, stderr: "no free port")
}

/// Ports already given to a peer by this test process.
enum PortClaims {
    nonisolated(unsafe) private static var claimed = Set<Int>()
    private static let lock = NSLock()

    static func claim(_ port: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return claimed.insert(port).inserted
    }
}

func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

struct Timeout: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "condition not met within \(seconds) s" }
}

func waitUntil(timeout: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return }
        usleep(200_000)
    }
    throw Timeout(seconds: timeout)
}
