import CairnCrypto
import Foundation
import Testing

/// Files end to end through real `cairn` processes: put on one peer, get on another.
@Suite(.serialized)
struct FileTests {
    static func randomFile(_ directory: String, bytes: Int) throws -> (path: String, sha256: String) {
        let path = directory + "/input-\(bytes)"
        let data = Random.bytes(bytes)
        try Data(data).write(to: URL(fileURLWithPath: path))
        return (path, SHA256.hash(data).hex)
    }

    @Test func putOnOnePeerGetOnAnotherByGrantAndCapabilityEvenWithFourPeersKilled() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 10)
        let input = try Self.randomFile(cluster.directory, bytes: 9 * 1024 * 1024 + 123)

        let put = try cluster.json(1, ["put", input.path])
        let id = try #require(put["id"] as? String)
        let capability = try #require(put["cap"] as? String)
        #expect(put["size"] as? Int == 9 * 1024 * 1024 + 123)
        #expect(put["k"] as? Int == 4 && put["n"] as? Int == 8)

        // Without a grant, peer 7 is refused with a message that says so.
        #expect(throws: CLIFailure.self) { try cluster.cli(7, ["get", id, "-o", cluster.directory + "/refused"]) }
        do {
            try cluster.cli(7, ["get", id, "-o", cluster.directory + "/refused"])
        } catch let failure as CLIFailure {
            #expect(failure.stderr.contains("may not read"))
        }
        #expect(!FileManager.default.fileExists(atPath: cluster.directory + "/refused"))

        // The uploader's provider record for the file is found through the DHT from another peer.
        let providers = try cluster.json(6, ["dht", "providers", id])
        #expect(providers["providers"] as? [String] == [cluster.peers[1].id])

        let byCapability = try cluster.json(4, ["get", capability, "-o", cluster.directory + "/by-cap"])
        #expect(byCapability["sha256"] as? String == input.sha256)

        let shared = try cluster.json(1, ["share", id, "--to", cluster.peers[7].id])
        #expect((shared["stored_at"] as? Int ?? 0) > 0)
        let listed = try cluster.json(1, ["ls"])
        #expect((listed["files"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])

        for victim in [1, 2, 3, 5] { cluster.kill9(victim) }
        let byGrant = try cluster.json(7, ["get", id, "-o", cluster.directory + "/by-grant"])
        #expect(byGrant["sha256"] as? String == input.sha256)
        #expect(byGrant["size"] as? Int == 9 * 1024 * 1024 + 123)
    }

    @Test func clearErrorsForUnknownAndMalformedIDsTooFewProvidersAndFullProviders() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 5, extraArguments: ["--capacity", "3MiB"])

        func failure(_ index: Int, _ arguments: [String]) -> String {
            do {
                try cluster.cli(index, arguments)
                return "(succeeded)"
            } catch let failure as CLIFailure {
                return failure.stderr
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(0, ["get", Random.key256().hex, "-o", cluster.directory + "/x"]).contains("not found"))
        #expect(failure(0, ["get", "not-an-id"]).contains("neither a file ID"))
        let small = try Self.randomFile(cluster.directory, bytes: 1000)
        #expect(failure(0, ["put", small.path, "--k", "4", "--n", "8"]).contains("only 5 provider(s)"))
        // 3 MiB each, 5 peers: a 16 MiB file needs 32 MiB of shards and cannot fit.
        let big = try Self.randomFile(cluster.directory, bytes: 16 * 1024 * 1024)
        let full = failure(0, ["put", big.path, "--k", "2", "--n", "4"])
        #expect(full.contains("capacity") || full.contains("provider"), "\(full)")
        // A small file still fits, 2-of-4.
        let stored = try cluster.json(0, ["put", small.path, "--k", "2", "--n", "4"])
        let got = try cluster.json(3, ["get", try #require(stored["cap"] as? String), "-o", cluster.directory + "/small"])
        #expect(got["sha256"] as? String == small.sha256)
    }

    @Test func aCorruptShardOnDiskIsNeverServedAndGetStillSucceeds() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 8)
        let input = try Self.randomFile(cluster.directory, bytes: 3 * 1024 * 1024)
        let put = try cluster.json(0, ["put", input.path])
        let capability = try #require(put["cap"] as? String)

        // Flip a byte in every shard file on two providers.
        var corrupted = 0
        for index in [1, 2] {
            let root = cluster.peers[index].data + "/shards/shards"
            for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init()
            where path.split(separator: "/").last?.count == 64 {
                let full = root + "/" + path
                var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: full)))
                bytes[bytes.count / 2] ^= 0xff
                try Data(bytes).write(to: URL(fileURLWithPath: full))
                corrupted += 1
            }
        }
        #expect(corrupted > 0)
        let got = try cluster.json(5, ["get", capability, "-o", cluster.directory + "/out"])
        #expect(got["sha256"] as? String == input.sha256)
    }

    @Test func killingTheUploaderMidPutLeavesNoHalfFileAndThePutSucceedsAfterRestart() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 9)
        let input = try Self.randomFile(cluster.directory, bytes: 48 * 1024 * 1024)

        let put = Process()
        put.executableURL = URL(fileURLWithPath: ProcessCluster.binary)
        put.arguments = ["put", input.path, "--api", cluster.peers[2].api, "--data", cluster.peers[2].data, "--json"]
        put.standardOutput = FileHandle.nullDevice
        put.standardError = FileHandle.nullDevice
        try put.run()
        // Kill the uploading peer once some shards have reached a provider.
        try waitUntil(timeout: 30) {
            cluster.peers.indices.contains { index in
                index != 2 && ((try? FileManager.default.contentsOfDirectory(atPath: cluster.peers[index].data + "/shards/shards"))?.isEmpty == false)
            }
        }
        cluster.kill9(2)
        put.waitUntilExit()
        #expect(put.terminationStatus != 0)

        try cluster.launch(2, bootstrap: cluster.peers[0].listen)
        try cluster.waitForAPI(2)
        let listed = try cluster.json(2, ["ls"])
        #expect((listed["files"] as? [Any])?.isEmpty == true)
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: cluster.peers[2].data + "/shards/tmp")) ?? []
        #expect(temporary.isEmpty)

        try waitUntil(timeout: 30) { try cluster.knownCount(2) >= 8 }
        let again = try cluster.json(2, ["put", input.path])
        let got = try cluster.json(6, ["get", try #require(again["cap"] as? String), "-o", cluster.directory + "/out"])
        #expect(got["sha256"] as? String == input.sha256)
    }
}

/// Ownership travels with the identity: export it, import it on a new peer, read and delete from there.
@Suite(.serialized)
struct IdentityTransferTests {
    @Test func anImportedIdentityReadsAndDeletesItsFilesFromAnotherPeer() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 9)
        let input = try FileTests.randomFile(cluster.directory, bytes: 700_000)
        let put = try cluster.json(2, ["put", input.path])
        let id = try #require(put["id"] as? String)

        setenv("CAIRN_PASSPHRASE", "correct horse battery staple", 1)
        defer { unsetenv("CAIRN_PASSPHRASE") }
        let exported = cluster.directory + "/peer2.identity"
        try runCLI(["identity", "export", "--data", cluster.peers[2].data, "-o", exported])
        setenv("CAIRN_PASSPHRASE", "wrong", 1)
        #expect(throws: CLIFailure.self) { try runCLI(["identity", "import", "--data", cluster.directory + "/nope", exported]) }
        setenv("CAIRN_PASSPHRASE", "correct horse battery staple", 1)

        // Peer 8 takes peer 2's identity: stop it, replace its data directory, start it again.
        cluster.kill9(8)
        cluster.kill9(2)
        try FileManager.default.removeItem(atPath: cluster.peers[8].data)
        try runCLI(["identity", "import", "--data", cluster.peers[8].data, exported])
        try cluster.launch(8, bootstrap: cluster.peers[0].listen)
        try cluster.waitForAPI(8)
        try waitUntil(timeout: 30) { try cluster.knownCount(8) >= 6 }
        #expect(try cluster.json(8, ["id"])["id"] as? String == cluster.peers[2].id)

        let got = try cluster.json(8, ["get", id, "-o", cluster.directory + "/out"])
        #expect(got["sha256"] as? String == input.sha256)
        // Someone else may not delete it; the owner may, and then it is gone.
        #expect(throws: CLIFailure.self) { try cluster.cli(5, ["rm", id]) }
        let removed = try cluster.json(8, ["rm", id])
        #expect((removed["deleted_shards"] as? Int ?? 0) > 0)
        #expect(throws: CLIFailure.self) { try cluster.cli(4, ["get", id, "-o", cluster.directory + "/gone"]) }
    }
}
