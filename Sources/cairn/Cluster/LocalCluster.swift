import CairnAPI
import CairnChain
import CairnCrypto
import CairnPeer
import Foundation

/// A bootstrap peer and N−1 peers as real `cairn run` processes on 127.0.0.1.
final class LocalCluster {
    struct Member {
        var peerID: String
        var listenPort: Int
        var apiPort: Int
        var process: PeerProcess
        var dataDirectory: String
        /// The peer's API token, made with its identity before it starts.
        var token: APIToken
        var pid: Int32 { process.pid }

        var client: APIClient { get throws { try APIClient(address: "127.0.0.1:\(apiPort)", token: token) } }
    }

    let directory: String
    private(set) var members: [Member] = []
    private var processes: [Process] = []

    init(directory: String) {
        self.directory = (directory as NSString).standardizingPath
    }

    var pidFile: String { directory + "/pids" }

    /// Creates identities where missing and starts every peer; peer 0 first, as everyone's bootstrap peer.
    /// When any peer fails to start, those already started are stopped and no PID file is left.
    /// `extraArguments` go to every peer's `cairn run`.
    func start(peers: Int, basePort: Int, logLevel: String, extraArguments: [String] = []) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: pidFile) {
            let (listed, _) = readPIDFile()
            guard !listed.contains(where: \.isRunning) else {
                throw CLIError("\(pidFile) lists a cluster that still runs; stop it with "
                    + "`cairn sim cluster --stop --dir \(directory)`")
            }
            // Left by a cluster whose peers have all exited: nothing to stop.
            try? FileManager.default.removeItem(atPath: pidFile)
        }
        do {
            try launchAll(peers: peers, basePort: basePort, logLevel: logLevel, extraArguments: extraArguments)
        } catch {
            stopAll()
            throw error
        }
    }

    private func launchAll(peers: Int, basePort: Int, logLevel: String, extraArguments: [String]) throws {
        for port in (0..<peers).flatMap({ [basePort + $0, basePort + 1000 + $0] }) where canConnect(port: port) {
            throw CLIError("port \(port) is already in use on 127.0.0.1 (a cluster left running?); "
                + "stop it, or choose other ports with --base-port")
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let bootstrap = "127.0.0.1:\(basePort)"
        for index in 0..<peers {
            let data = "\(directory)/peer-\(index)"
            let store = IdentityStore(directory: DataDirectory(root: data))
            let identity: Identity
            if store.exists {
                identity = try store.load(puzzleBits: NetworkParameters.embedded.puzzleBits)
            } else if index == 0 {
                // The bootstrap peer is the local chain's first validator (`ChainParameters.localNetwork`).
                identity = ChainParameters.localNetworkValidator
                try store.save(identity)
            } else {
                identity = try store.create(puzzleBits: NetworkParameters.embedded.puzzleBits)
            }
            let token = try APITokenFile.loadOrCreate(dataDirectory: store.directory.root).token
            let listenPort = basePort + index
            let apiPort = basePort + 1000 + index
            var arguments = ["run", "--data", data, "--listen", "127.0.0.1:\(listenPort)",
                             "--api", "127.0.0.1:\(apiPort)", "--log-level", logLevel, "--bootstrap", bootstrap]
            // Peer 0 is the bootstrap peer: naming itself means it dials no one.
            if index == 0 { arguments[arguments.count - 1] = "127.0.0.1:\(listenPort)" }
            arguments += extraArguments
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let logPath = data + "/log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
            // Read at once, long before its PID could be given to another process.
            guard let started = PeerProcess.running(process.processIdentifier) else {
                if process.isRunning { process.terminate() }
                throw CLIError("peer \(index) (PID \(process.processIdentifier)) exited at once or cannot be "
                    + "identified through /proc; see \(logPath)")
            }
            members.append(Member(peerID: identity.peerID.hex, listenPort: listenPort, apiPort: apiPort,
                                  process: started, dataDirectory: data, token: token))
            try writePIDFile()
            if index == 0 {
                // Everyone else dials the bootstrap peer; let it bind first.
                try waitForAPI(port: apiPort, timeout: 20)
            }
        }
    }

    /// Waits until every peer answers on its API and knows min(N−1, 10) others.
    func waitUntilJoined(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        let wanted = min(members.count - 1, 10)
        var pending = Set(members.indices)
        while !pending.isEmpty {
            for index in pending.sorted() {
                if let exited = processes[index].isRunning ? nil : processes[index].terminationStatus {
                    throw CLIError("peer \(index) exited with status \(exited); see \(members[index].dataDirectory)/log")
                }
                let client = try members[index].client
                if let reply = try? await client.json(.GET, "/api/v0/peers", as: PeersResponse.self),
                   reply.peers.count >= wanted {
                    pending.remove(index)
                }
            }
            if pending.isEmpty { break }
            guard Date() < deadline else {
                throw CLIError("peers \(pending.sorted()) did not join within \(Int(timeout)) s; see their logs in \(directory)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Each peer as `PID START-TIME` (see `PeerProcess`), written in place with every peer started.
    func writePIDFile() throws {
        let text = members.map(\.process.line).joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: pidFile, contents: Data(text.utf8)) else {
            throw CLIError("cannot write \(pidFile)")
        }
    }

    /// The peers the PID file lists, and how many of its lines could not be read as one.
    func readPIDFile() -> (peers: [PeerProcess], unreadable: Int) {
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        let peers = lines.compactMap(PeerProcess.init(line:))
        return (peers, lines.count - peers.count)
    }

    /// Stops the peers this object started: SIGTERM, then SIGKILL after 5 s.
    func stopAll() {
        _ = terminate(members.map(\.process))
        for process in processes { process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    /// What `stopDetached` did.
    struct StopReport {
        /// Peers signalled and gone.
        var stopped: Int
        /// Listed peers that had exited already (their PIDs, possibly someone else's now, were left alone).
        var alreadyGone: [Int32]
        /// Lines that named no peer this version can verify.
        var unreadable: Int
    }

    /// Stops the peers listed in the PID file of a detached cluster — each only if its PID still names the
    /// process that was started — and removes the file.
    func stopDetached() throws -> StopReport {
        guard FileManager.default.fileExists(atPath: pidFile) else {
            throw CLIError("no running cluster in \(directory) (no \(pidFile))")
        }
        let (listed, unreadable) = readPIDFile()
        let running = terminate(listed)
        try? FileManager.default.removeItem(atPath: pidFile)
        let gone = listed.filter { !running.contains($0) }.map(\.pid)
        return StopReport(stopped: running.count, alreadyGone: gone, unreadable: unreadable)
    }

    /// SIGTERM to each process still running as started, SIGKILL after 5 s to those still there; returns the
    /// ones that were running.
    private func terminate(_ peers: [PeerProcess]) -> [PeerProcess] {
        let running = peers.filter { $0.signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        var alive = running
        while !alive.isEmpty, Date() < deadline {
            alive = alive.filter { isAlive($0) }
            if !alive.isEmpty { usleep(50_000) }
        }
        for peer in alive { peer.signal(SIGKILL) }
        return running
    }

    private func isAlive(_ peer: PeerProcess) -> Bool {
        // Reap our own children so they do not linger as zombies that still hold their PIDs.
        var status: Int32 = 0
        if processes.contains(where: { $0.processIdentifier == peer.pid }),
           waitpid(peer.pid, &status, WNOHANG) == peer.pid {
            return false
        }
        return peer.isRunning
    }

    private func waitForAPI(port: Int, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if canConnect(port: port) { return }
            if let first = processes.first, !first.isRunning {
                throw CLIError("the bootstrap peer exited with status \(first.terminationStatus); see \(members[0].dataDirectory)/log")
            }
            usleep(100_000)
        }
        throw CLIError("the bootstrap peer's API on port \(port) did not come up within \(Int(timeout)) s")
    }

    private func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
