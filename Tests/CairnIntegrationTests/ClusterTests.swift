import CairnCrypto
import Foundation
import Testing

/// The whole system through real `cairn` processes on loopback.
@Suite(.serialized)
struct ClusterTests {
    static func closestTruth(_ ids: [String], to key: Key256, k: Int = 20) -> [String] {
        ids.compactMap(Key256.init(hex:)).sorted { $0.distance(to: key) < $1.distance(to: key) }.prefix(k).map(\.hex)
    }

    @Test func tenPeersFindEachOtherThroughTheDHT() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 10)
        let ids = cluster.peers.map(\.id)

        for _ in 0..<3 {
            let key = Random.key256()
            let truth = Self.closestTruth(ids, to: key)
            for index in cluster.peers.indices {
                let reply = try cluster.json(index, ["dht", "closest", key.hex])
                #expect(reply["peers"] as? [String] == truth, "peer \(index) lookup of \(key.shortHex)")
                #expect(reply["key"] as? String == key.hex)
            }
        }

        for from in [0, 4, 9] {
            for target in cluster.peers where target.index != from {
                let reply = try cluster.json(from, ["dht", "find-peer", target.id])
                #expect(reply["addresses"] as? [String] == [target.listen], "peer \(from) finding \(target.index)")
            }
        }

        let content = Random.key256()
        let provided = try cluster.json(3, ["dht", "provide", content.hex])
        #expect((provided["stored_at"] as? Int ?? 0) > 0)
        for index in cluster.peers.indices {
            let reply = try cluster.json(index, ["dht", "providers", content.hex])
            #expect(reply["providers"] as? [String] == [ids[3]], "peer \(index) finding the provider")
        }
    }

    @Test func killedPeersVanishFromLookupsAndRestartedPeersRejoinWithoutBootstrap() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 10)

        cluster.kill9(7)
        cluster.kill9(8)
        let live = cluster.peers.filter { $0.process != nil }.map(\.id)
        let key = Random.key256()
        let truth = Self.closestTruth(live, to: key)
        for index in [0, 2, 5] {
            let reply = try cluster.json(index, ["dht", "closest", key.hex])
            #expect(reply["peers"] as? [String] == truth, "peer \(index) after two peers died")
        }

        // A clean stop saves the routing table; the peer comes back with the bootstrap peer gone.
        #expect(cluster.terminate(5) == 0)
        cluster.kill9(0)
        try cluster.launch(5, bootstrap: nil)
        try cluster.waitForAPI(5)
        try waitUntil(timeout: 30) { try cluster.knownCount(5) >= 5 }
        let reply = try cluster.json(5, ["dht", "find-peer", cluster.peers[3].id])
        #expect(reply["addresses"] as? [String] == [cluster.peers[3].listen])
    }

    /// A peer that stops cleanly says so (`DHTAnnouncement.leaving`): its neighbours drop it at once rather than
    /// after their requests to it have failed.
    @Test func aPeerStoppedCleanlyLeavesItsNeighboursRoutingTables() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 4)
        let leaving = cluster.peers[2].id
        func knows(_ index: Int) throws -> Bool {
            let peers = try cluster.json(index, ["peers"])["peers"] as? [[String: Any]] ?? []
            return peers.contains { $0["id"] as? String == leaving }
        }
        for index in [0, 1, 3] { try waitUntil(timeout: 30) { try knows(index) } }
        #expect(cluster.terminate(2) == 0)
        for index in [0, 1, 3] {
            try waitUntil(timeout: 5) { try !knows(index) }
        }
    }

    @Test func garbageTruncatedAndOversizedFramesCloseOnlyTheirConnection() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 3)
        let port = cluster.peers[1].listenPort

        let attacks: [(String, [UInt8])] = [
            ("garbage", Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + Random.bytes(64)),
            ("oversized length prefix", [0x7f, 0xff, 0xff, 0xff] + Random.bytes(16)),
            ("handshake-sized frame of noise", [0, 0, 0, 65] + Random.bytes(65)),
            ("oversized handshake frame", [0, 0, 0x10, 0] + Random.bytes(4096)),
        ]
        for (name, bytes) in attacks {
            #expect(try RawConnection.isClosedAfterSending(bytes, port: port), "\(name) should close the connection")
        }
        // A truncated frame: the peer waits for the rest, then drops the connection at the handshake timeout;
        // meanwhile it keeps serving everyone else.
        let truncated = try RawConnection(port: port)
        try truncated.send([0, 0, 0, 40] + Random.bytes(10))

        for index in cluster.peers.indices {
            let key = Random.key256()
            let reply = try cluster.json(index, ["dht", "closest", key.hex])
            #expect(reply["peers"] as? [String] == Self.closestTruth(cluster.peers.map(\.id), to: key))
        }
        _ = truncated
    }
}
