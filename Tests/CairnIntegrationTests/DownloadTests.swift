import CairnCrypto
import Foundation
import Testing

/// Issue 6, item 11: single byte ranges and HEAD on `/api/v0/files/{id}` (RFC 9110 §14), and `cairn get -o`
/// resuming a download cut off midway, through real processes.
@Suite(.serialized)
struct DownloadTests {
    /// Three segments at the default 4 MiB segment size.
    static let size = 9 * 1024 * 1024 + 321

    func failure(_ cluster: ProcessCluster, _ arguments: [String]) -> String {
        do {
            _ = try runCLI(arguments)
            return "(succeeded)"
        } catch let failure as CLIFailure {
            return failure.stderr
        } catch {
            return "\(error)"
        }
    }

    @Test func rangesAndHeadAnswerAsRFC9110Says() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let bytes = Random.bytes(Self.size)
        let input = cluster.directory + "/input"
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let put = try cluster.json(0, ["put", input, "--k", "2", "--n", "4"])
        let id = try #require(put["id"] as? String)
        let capability = try #require(put["cap"] as? String)
        let peer = cluster.peers[3]
        let path = "/api/v0/files/\(capability)"

        let head = try RawHTTP.request(peer, "HEAD", path)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "\(Self.size)")
        #expect(head.header("Accept-Ranges") == "bytes")
        #expect(head.header("ETag") == "\"\(id)\"")
        #expect(head.header("Content-Disposition")?.contains("input") == true)
        #expect(head.body.isEmpty)
        // A range on HEAD is ignored: the head of the whole file.
        #expect(try RawHTTP.request(peer, "HEAD", path, headers: ["Range": "bytes=0-9"]).status == 200)

        let segment = 4 * 1024 * 1024
        let cases: [(String, ClosedRange<Int>)] = [
            ("bytes=0-9", 0...9),
            ("bytes=\(segment - 5)-\(segment + 4)", (segment - 5)...(segment + 4)),
            ("bytes=\(2 * segment + 7)-\(2 * segment + 100)", (2 * segment + 7)...(2 * segment + 100)),
            ("bytes=-100", (Self.size - 100)...(Self.size - 1)),
            ("bytes=\(Self.size - 3)-", (Self.size - 3)...(Self.size - 1)),
            ("bytes=\(Self.size - 3)-\(Self.size + 1000)", (Self.size - 3)...(Self.size - 1)),
        ]
        for (range, expected) in cases {
            let reply = try RawHTTP.request(peer, "GET", path, headers: ["Range": range])
            #expect(reply.status == 206, "\(range)")
            #expect(reply.header("Content-Range") == "bytes \(expected.lowerBound)-\(expected.upperBound)/\(Self.size)")
            #expect(reply.header("Content-Length") == "\(expected.count)")
            #expect(reply.body == Array(bytes[expected]), "\(range)")
        }
        let beyond = try RawHTTP.request(peer, "GET", path, headers: ["Range": "bytes=\(Self.size)-"])
        #expect(beyond.status == 416)
        #expect(beyond.header("Content-Range") == "bytes */\(Self.size)")
        #expect(beyond.text.contains("end of the file"))
        // Several ranges, or an If-Range naming something else: the whole file, 200.
        for headers in [["Range": "bytes=0-1,5-6"], ["Range": "bytes=0-9", "If-Range": "\"other\""]] {
            let whole = try RawHTTP.request(peer, "GET", path, headers: headers)
            #expect(whole.status == 200, "\(headers)")
            #expect(whole.body.count == Self.size)
        }
        let matching = try RawHTTP.request(peer, "GET", path, headers: ["Range": "bytes=5-6", "If-Range": "\"\(id)\""])
        #expect(matching.status == 206 && matching.body == Array(bytes[5...6]))
        // An unknown file is 404 for HEAD as for GET.
        let unknown = "cairn:\(Random.key256().hex):\(Random.key256().hex)"
        #expect(try RawHTTP.request(peer, "HEAD", "/api/v0/files/\(unknown)").status == 404)
    }

    @Test func anInterruptedGetKeepsItsPartialFileAndTheNextOneResumes() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let bytes = Random.bytes(Self.size)
        let input = cluster.directory + "/report.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let expected = SHA256.hash(bytes).hex
        let put = try cluster.json(0, ["put", input, "--k", "2", "--n", "4"])
        let id = try #require(put["id"] as? String)
        let capability = try #require(put["cap"] as? String)
        let api = cluster.peers[2].apiPort
        let output = cluster.directory + "/out.bin"
        let partial = output + ".\(id.prefix(16)).cairn-part"

        // Cut after 3 MB of the answer: the CLI fails, says so, and keeps what it got.
        let cut = try CuttingProxy(to: api, cutAfter: 3_000_000)
        let stderr = failure(cluster, ["get", capability, "-o", output, "--api", "127.0.0.1:\(cut.port)",
                                       "--data", cluster.peers[2].data])
        cut.wait()
        #expect(stderr.contains("run the same command again to resume"), "\(stderr)")
        let kept = try #require(try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)
        #expect(kept > 2_000_000 && kept < 3_000_000, "\(kept) bytes kept")
        #expect(!FileManager.default.fileExists(atPath: output))

        // The next attempt asks for the rest only, and the whole file's hash is right.
        let watch = try CuttingProxy(to: api, cutAfter: Int.max)
        let resumed = try runCLI(["get", capability, "-o", output, "--json", "--api", "127.0.0.1:\(watch.port)",
                                  "--data", cluster.peers[2].data])
        watch.wait()
        let result = try #require(try JSONSerialization.jsonObject(with: Data(resumed.utf8)) as? [String: Any])
        #expect(String(decoding: watch.request, as: UTF8.self).contains("Range: bytes=\(kept)-"))
        #expect(result["resumed_from"] as? Int == kept)
        #expect(result["sha256"] as? String == expected)
        #expect(result["size"] as? Int == Self.size)
        #expect(try SHA256.hash([UInt8](Data(contentsOf: URL(fileURLWithPath: output)))).hex == expected)
        #expect(!FileManager.default.fileExists(atPath: partial))

        // Into a directory: the partial file sits inside it under the file's name, and is found again.
        let directory = cluster.directory + "/downloads"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cutAgain = try CuttingProxy(to: api, cutAfter: 5_000_000)
        _ = failure(cluster, ["get", id, "-o", directory, "--api", "127.0.0.1:\(cutAgain.port)", "--data", cluster.peers[2].data])
        cutAgain.wait()
        // A file ID is read by its owner only: peer 2 is refused, and keeps nothing.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        let cutOwner = try CuttingProxy(to: cluster.peers[0].apiPort, cutAfter: 5_000_000)
        _ = failure(cluster, ["get", " \(id.uppercased())\n", "-o", directory, "--api", "127.0.0.1:\(cutOwner.port)",
                              "--data", cluster.peers[0].data])
        cutOwner.wait()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["report.bin.\(id.prefix(16)).cairn-part"])
        let intoDirectory = try cluster.json(0, ["get", id, "-o", directory])
        #expect((intoDirectory["resumed_from"] as? Int ?? 0) > 0)
        #expect(intoDirectory["sha256"] as? String == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["report.bin"])
    }

    @Test func aFailureBeforeAnyByteOrARefusalLeavesNoPartialFile() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5)
        let input = cluster.directory + "/small"
        try Data(Random.bytes(200_000)).write(to: URL(fileURLWithPath: input))
        let put = try cluster.json(0, ["put", input, "--k", "2", "--n", "4"])
        let capability = try #require(put["cap"] as? String)
        let output = cluster.directory + "/out"
        let listing = { try FileManager.default.contentsOfDirectory(atPath: cluster.directory).filter { $0.hasPrefix("out") } }

        // The head of the answer and not one byte of the body.
        let cut = try CuttingProxy(to: cluster.peers[1].apiPort, afterHead: true)
        let cutFailure = failure(cluster, ["get", capability, "-o", output, "--api", "127.0.0.1:\(cut.port)",
                                           "--data", cluster.peers[1].data])
        #expect(cutFailure != "(succeeded)")
        cut.wait()
        #expect(try listing() == [])

        // A partial file of a file the peer refuses (here: unknown) is removed, not kept for ever.
        let unknownID = Random.key256().hex
        let stale = output + ".\(unknownID.prefix(16)).cairn-part"
        try Data(Random.bytes(1000)).write(to: URL(fileURLWithPath: stale))
        let refused = failure(cluster, ["get", "cairn:\(unknownID):\(Random.key256().hex)", "-o", output,
                                        "--api", cluster.peers[1].api, "--data", cluster.peers[1].data])
        #expect(refused.contains("not found"), "\(refused)")
        #expect(try listing() == [])

        // A partial file longer than the file: the peer cannot satisfy the range, and the download starts over.
        let id = try #require(put["id"] as? String)
        try Data(Random.bytes(300_000)).write(to: URL(fileURLWithPath: output + ".\(id.prefix(16)).cairn-part"))
        let got = try cluster.json(1, ["get", capability, "-o", output])
        #expect(got["sha256"] as? String == SHA256.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))).hex)
        #expect(try listing() == ["out"])
    }
}
