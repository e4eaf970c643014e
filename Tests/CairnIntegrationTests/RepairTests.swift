import CairnCrypto
import Foundation
import Testing

/// Check and repair through real processes (issue 7, items 5 and 6): holders lost or lying are found, any
/// peer rebuilds their shards, and the file ID and capability keep working.
@Suite(.serialized)
struct RepairTests {
    /// Holder PeerIDs of every slot, from `check --json`.
    func holders(_ report: [String: Any]) -> Set<String> {
        Set(((report["slots"] as? [[String: Any]]) ?? []).compactMap { $0["holder"] as? String }.filter { !$0.isEmpty })
    }

    func states(_ report: [String: Any]) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for slot in (report["slots"] as? [[String: Any]]) ?? [] {
            guard let holder = slot["holder"] as? String, let state = slot["state"] as? String else { continue }
            result[holder, default: []].insert(state)
        }
        return result
    }

    @Test func lostAndLyingHoldersAreFoundAndAnyPeerRebuildsTheirShards() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 12)
        let input = try FileTests.randomFile(cluster.directory, bytes: 8 * 1024 * 1024 + 4321)
        let put = try cluster.json(1, ["put", input.path, "--k", "4", "--n", "8"])
        let id = try #require(put["id"] as? String)
        let capability = try #require(put["cap"] as? String)
        // Peers that must stay up: the bootstrap peer, the owner, the repairer and the reader.
        let keep: Set<Int> = [0, 1, 5, 6]
        let index = Dictionary(uniqueKeysWithValues: cluster.peers.map { ($0.id, $0.index) })

        let first = try cluster.json(5, ["check", id])
        #expect(first["healthy_min"] as? Int == 8)
        #expect(first["k"] as? Int == 4 && first["n"] as? Int == 8 && first["segments"] as? Int == 3)
        let original = holders(first).compactMap { index[$0] }.filter { !keep.contains($0) }.sorted()
        #expect(original.count >= 7, "holders outside the kept peers: \(original)")

        // A holder that swapped every shard for bytes of the same length fails the proofs; the others pass.
        let liar = original[0]
        let root = cluster.peers[liar].data + "/shards/shards"
        var swapped = 0
        for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init()
        where path.split(separator: "/").last?.count == 64 {
            let full = root + "/" + path
            let size = try Data(contentsOf: URL(fileURLWithPath: full)).count
            try Data(Random.bytes(size)).write(to: URL(fileURLWithPath: full))
            swapped += 1
        }
        #expect(swapped > 0)
        let audited = try cluster.json(5, ["check", id, "--verify"])
        let audit = states(audited)
        #expect(audit[cluster.peers[liar].id] == ["failed"])
        for (holder, found) in audit where holder != cluster.peers[liar].id { #expect(found == ["healthy"], "\(holder)") }

        // Three more holders die; a check elsewhere shows them missing.
        let killed = Array(original[1...3])
        for victim in killed { cluster.kill9(victim) }
        let afterKill = states(try cluster.json(5, ["check", id]))
        for victim in killed { #expect(afterKill[cluster.peers[victim].id] == ["missing"]) }

        // Peer 5 is neither the owner nor a grantee: it repairs without the key.
        let repaired = try cluster.json(5, ["repair", id])
        #expect((repaired["rebuilt"] as? Int ?? 0) > 0)
        let healed = try cluster.json(5, ["check", id, "--verify"])
        #expect(healed["healthy_min"] as? Int == 8)
        #expect(states(healed).values.allSatisfy { $0 == ["healthy"] })
        let dead = Set(([liar] + killed).map { cluster.peers[$0].id })
        #expect(holders(healed).isDisjoint(with: dead))

        // Same ID, same capability, same bytes.
        let byCapability = try cluster.json(6, ["get", capability, "-o", cluster.directory + "/by-cap"])
        #expect(byCapability["sha256"] as? String == input.sha256)
        let byOwner = try cluster.json(1, ["get", id, "-o", cluster.directory + "/by-owner"])
        #expect(byOwner["sha256"] as? String == input.sha256)

        // Four more of the original holders die: k shards of every segment remain.
        for victim in original.dropFirst(4).prefix(4) { cluster.kill9(victim) }
        let afterMore = try cluster.json(6, ["get", capability, "-o", cluster.directory + "/after"])
        #expect(afterMore["sha256"] as? String == input.sha256)
    }

    @Test func theNameAppearsInNoOtherPeersDataDirectory() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 6)
        let path = cluster.directory + "/secret-name-8ce1.txt"
        try Data(Random.bytes(200_000)).write(to: URL(fileURLWithPath: path))
        _ = try cluster.json(1, ["put", path, "--k", "2", "--n", "4"])
        let needle = Data("secret-name-8ce1".utf8)
        for peer in cluster.peers where peer.index != 1 {
            for case let file as String in FileManager.default.enumerator(atPath: peer.data) ?? .init() {
                let full = peer.data + "/" + file
                guard let data = FileManager.default.contents(atPath: full) else { continue }
                #expect(data.range(of: needle) == nil, "peer \(peer.index): \(file)")
            }
        }
    }
}
