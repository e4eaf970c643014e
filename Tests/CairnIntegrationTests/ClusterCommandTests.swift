import Foundation
import Testing

/// Issue 6, item 11: `cairn sim cluster` leaves no PID file after a failed start, and `--stop` signals only
/// processes that are still the peers it started.
@Suite(.serialized)
struct ClusterCommandTests {
    func run(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessCluster.binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// PIDs of processes whose command line mentions `text`.
    func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
        }
    }

    /// Binds `port` on 127.0.0.1 without listening: a connect finds nobody, but a peer cannot bind it.
    func occupy(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }

    func basePort() throws -> Int {
        for _ in 0..<100 {
            let base = try freePort()
            if base + 1002 < 33_000, canBind(base + 1), canBind(base + 1000), canBind(base + 1001) { return base }
        }
        throw CLIFailure(status: -1, stderr: "no free port range")
    }

    @Test func aFailedStartStopsWhatItStartedAndLeavesNoPIDFile() throws {
        let directory = NSTemporaryDirectory() + "cairn-cluster-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try basePort()
        // The bootstrap peer's API port is taken: the bootstrap peer exits, and the start fails.
        let blocker = occupy(base + 1000)
        defer { close(blocker) }
        let (status, _, stderr) = try run(["sim", "cluster", "--peers", "2", "--base-port", "\(base)", "--dir", directory,
                                           "--detach", "--timeout", "20"])
        #expect(status != 0)
        #expect(!stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory + "/pids"))
        #expect(processes(mentioning: directory).isEmpty, "a peer of the failed cluster still runs")
    }

    @Test func stopSignalsOnlyProcessesThatAreStillThePeersStarted() throws {
        let directory = NSTemporaryDirectory() + "cairn-cluster-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try basePort()
        let (status, out, stderr) = try run(["sim", "cluster", "--peers", "2", "--base-port", "\(base)", "--dir", directory,
                                             "--detach", "--json", "--timeout", "60"])
        #expect(status == 0, "\(stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let pids = ((report["peers"] as? [[String: Any]]) ?? []).compactMap { ($0["pid"] as? Int).map(Int32.init) }
        #expect(pids.count == 2)
        defer { for pid in processes(mentioning: directory) { kill(pid, SIGKILL) } }

        // A bystander whose PID is written into the file as if it were a peer: with a wrong start time, and
        // as a bare PID as older versions wrote.
        let bystander = try Bystander()
        defer { bystander.kill(SIGKILL) }
        let pidFile = directory + "/pids"
        var text = try String(contentsOfFile: pidFile, encoding: .utf8)
        text += "\(bystander.pid) 1\n\(bystander.pid)\n"
        try text.write(toFile: pidFile, atomically: true, encoding: .utf8)

        let (stopStatus, stopOut, stopErr) = try run(["sim", "cluster", "--stop", "--dir", directory])
        #expect(stopStatus == 0, "\(stopErr)")
        #expect(stopOut.contains("stopped 2 peers"), "\(stopOut)")
        #expect(bystander.isRunning, "a process that is not a peer was signalled")
        #expect(processes(mentioning: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: pidFile))

        // The peers are gone now: a second --stop finds no file, and a stale file signals nobody.
        try "\(pids[0]) 12345\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        let (_, again, _) = try run(["sim", "cluster", "--stop", "--dir", directory])
        #expect(again.contains("stopped 0 peers") && again.contains("had exited already"), "\(again)")
        #expect(bystander.isRunning)
        bystander.kill(SIGTERM)
        #expect(bystander.waitForSignal() == SIGTERM, "SIGTERM would have ended the bystander")
    }
}

/// A `sleep 60` spawned with every signal at its default and none blocked (the test runner blocks or ignores
/// SIGTERM, which a child would inherit): if anything sends it SIGTERM, it dies of it.
final class Bystander {
    let pid: pid_t

    init() throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
        defer { for arg in argv { free(arg) } }
        guard posix_spawn(&pid, "/bin/sleep", nil, &attributes, argv, environ) == 0 else {
            throw CLIFailure(status: -1, stderr: "cannot spawn /bin/sleep")
        }
        self.pid = pid
    }

    /// Alive and not yet reaped.
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    /// Waits for the end; the signal that ended it, or nil for a normal exit.
    func waitForSignal() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, 0) == pid else { return nil }
        let signal = status & 0x7f
        return signal != 0 && signal != 0x7f ? signal : nil
    }
}
