import CairnCrypto
import Foundation
import Testing

/// Issue 6's data-loss faults, each through real processes: shared shards deleted by another owner's `rm`,
/// `get -o` replacing a directory, piped and special files stored truncated.
@Suite(.serialized)
struct DataLossTests {
    /// Runs `script` under /bin/sh with `$CAIRN` set to the binary; returns (status, stdout, stderr).
    func shell(_ script: String, timeout: Double = 60) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        var environment = ProcessInfo.processInfo.environment
        environment["CAIRN"] = ProcessCluster.binary
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // A hang is a failure, not a stuck suite.
        let deadline = DispatchTime.now() + timeout
        DispatchQueue.global().asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    func sha256(of path: String) throws -> String {
        SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).hex
    }

    /// Item 1: tiny files whose padding shards are byte-identical across files, and one owner storing the same
    /// bytes twice; every delete leaves every other file readable, and the last one frees the space.
    @Test func oneOwnersDeleteNeverRemovesAShardAnotherFileStillNeeds() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 8)
        let one = cluster.directory + "/one"
        let two = cluster.directory + "/two"
        try Data([0x41]).write(to: URL(fileURLWithPath: one))
        try Data([0x42]).write(to: URL(fileURLWithPath: two))
        for options in [["--k", "7", "--n", "8"], ["--k", "4", "--n", "8"]] {
            let first = try cluster.json(1, ["put", one] + options)
            let second = try cluster.json(2, ["put", two] + options)
            // The same owner, the same bytes, twice.
            let again = try cluster.json(2, ["put", two] + options)
            let secondAgain = try #require(again["cap"] as? String)
            try cluster.cli(1, ["rm", try #require(first["id"] as? String)])
            for (reference, expected) in [(second["cap"], two), (again["cap"], two)] {
                let got = try cluster.json(5, ["get", try #require(reference as? String), "-o", cluster.directory + "/out"])
                #expect(got["sha256"] as? String == (try sha256(of: expected)), "\(options)")
            }
            try cluster.cli(2, ["rm", try #require(second["id"] as? String)])
            let got = try cluster.json(6, ["get", secondAgain, "-o", cluster.directory + "/out"])
            #expect(got["sha256"] as? String == (try sha256(of: two)), "\(options)")
            try cluster.cli(2, ["rm", try #require(again["id"] as? String)])
        }
        // Every file deleted: no provider keeps a shard.
        for index in cluster.peers.indices {
            let status = try cluster.json(index, ["status"])
            #expect(status["shards"] as? Int == 0, "peer \(index) still holds shards")
        }
    }

    /// Item 2: `get -o` never removes or replaces a directory, replaces only a regular file, and leaves no
    /// partial file behind on failure.
    @Test func getIntoADirectoryWritesInsideItAndReplacesOnlyRegularFiles() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let input = cluster.directory + "/report.txt"
        try Data(Random.bytes(300_000)).write(to: URL(fileURLWithPath: input))
        let put = try cluster.json(0, ["put", input, "--k", "2", "--n", "4"])
        let capability = try #require(put["cap"] as? String)

        let victim = cluster.directory + "/victim"
        try FileManager.default.createDirectory(atPath: victim + "/sub", withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: victim + "/keep.txt"))
        let got = try cluster.json(3, ["get", capability, "-o", victim])
        #expect(got["output"] as? String == victim + "/report.txt")
        #expect(try sha256(of: victim + "/report.txt") == (try sha256(of: input)))
        #expect(try String(contentsOfFile: victim + "/keep.txt", encoding: .utf8) == "x\n")
        #expect(DownloadDirectory.isDirectory(victim + "/sub"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).sorted() == ["keep.txt", "report.txt", "sub"])

        // A path that names a directory inside is refused, not replaced; a regular file is replaced.
        try FileManager.default.createDirectory(atPath: victim + "/report-dir", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: victim + "/report-dir/inner"))
        let existing = victim + "/existing.bin"
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        _ = try cluster.json(3, ["get", capability, "-o", existing])
        #expect(try sha256(of: existing) == (try sha256(of: input)))
        #expect(cluster.failure(3, ["get", capability, "-o", "/dev/null/x"]).contains("does not exist")
            || cluster.failure(3, ["get", capability, "-o", "/dev/null/x"]).contains("cannot"))
        #expect(cluster.failure(3, ["get", capability, "-o", cluster.directory + "/missing/dir/out"])
            .contains("does not exist"))

        // A failed download leaves nothing behind: neither the target nor a partial file.
        let unknown = "cairn:\(Random.key256().hex):\(Random.key256().hex)"
        #expect(cluster.failure(3, ["get", unknown, "-o", victim + "/never"]) != "(succeeded)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: victim).sorted()
            == ["existing.bin", "keep.txt", "report-dir", "report.txt", "sub"])
        #expect(try String(contentsOfFile: victim + "/report-dir/inner", encoding: .utf8) == "old")
    }

    /// Item 3: standard input, `-`, a FIFO and a pipe are streamed to their end and stored whole; a file that
    /// changes size while read is refused.
    @Test func pipesFIFOsAndStandardInputAreStoredWhole() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        // Peer 1's API, and its data directory for the API token.
        let api = "\(cluster.peers[1].api) --data '\(cluster.peers[1].data)'"
        let dir = cluster.directory
        let source = dir + "/random"
        try Data(Random.bytes(3_000_000)).write(to: URL(fileURLWithPath: source))
        let expected = try sha256(of: source)

        func stored(_ script: String) throws -> [String: Any] {
            let (status, out, err) = try shell(script)
            #expect(status == 0, "\(script): \(err)")
            return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        }
        func roundTrip(_ put: [String: Any]) throws -> String? {
            let got = try cluster.json(3, ["get", try #require(put["cap"] as? String), "-o", dir + "/back"])
            return got["sha256"] as? String
        }
        let viaDevStdin = try stored("cat '\(source)' | \"$CAIRN\" put /dev/stdin --json --k 2 --n 4 --api \(api)")
        #expect(viaDevStdin["size"] as? Int == 3_000_000)
        #expect(try roundTrip(viaDevStdin) == expected)
        let viaDash = try stored("cat '\(source)' | \"$CAIRN\" put - --json --k 2 --n 4 --api \(api)")
        #expect(viaDash["size"] as? Int == 3_000_000)
        #expect(viaDash["name"] as? String == "stdin")
        #expect(try roundTrip(viaDash) == expected)
        // A short pipe that once hung for ever.
        let hello = try stored("printf 'hello world\\n' | \"$CAIRN\" put /dev/stdin --json --k 2 --n 4 --api \(api)")
        #expect(hello["size"] as? Int == 12)
        let helloBack = try cluster.json(3, ["get", try #require(hello["cap"] as? String), "-o", dir + "/hello"])
        #expect(helloBack["sha256"] as? String == SHA256.hash(Array("hello world\n".utf8)).hex)
        // A FIFO, written by another process.
        let fifo = try stored("mkfifo '\(dir)/fifo' && (cat '\(source)' > '\(dir)/fifo' &) && "
            + "\"$CAIRN\" put '\(dir)/fifo' --json --k 2 --n 4 --api \(api)")
        #expect(fifo["size"] as? Int == 3_000_000)
        #expect(try roundTrip(fifo) == expected)
        // Empty standard input is an empty file, not a hang.
        let empty = try stored("\"$CAIRN\" put - --json --k 2 --n 4 --api \(api) < /dev/null")
        #expect(empty["size"] as? Int == 0)
        // A directory is refused with a message.
        let (status, _, err) = try shell("\"$CAIRN\" put '\(dir)' --api \(api)")
        #expect(status != 0 && err.contains("directory"), "\(err)")
    }
}

enum DownloadDirectory {
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
