import CairnDHT
import CairnWire
import Testing

/// Whole queries across a few dozen in-memory nodes, records signed and checked for real.
@Suite struct DHTNetworkTests {
    func joinedNetwork(_ count: Int = 40, k: Int = 6) -> InMemoryNetwork {
        var config = DHTConfig()
        config.k = k
        var network = InMemoryNetwork(count: count, config: config)
        network.joinAll()
        return network
    }

    @Test func bootstrapFillsRoutingTables() {
        let network = joinedNetwork()
        let bootstraps = network.finished.filter {
            if case .bootstrapped = $0.outcome { true } else { false }
        }
        #expect(bootstraps.count == 39)
        for node in network.nodes { #expect(node.routingTable.count >= 6) }
        #expect(network.nodes.allSatisfy { $0.runningQueries == 0 && $0.outstandingRequests == 0 })
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func closestPeersReturnsTheTrueClosestIncludingTheAsker(seed: UInt64) throws {
        var network = joinedNetwork()
        var random = TestRandom(seed: seed)
        let everyone = network.nodes.map(\.localPeer.id)
        for _ in 0..<10 {
            let asker = random.below(network.nodes.count)
            // Half the keys sit right next to the asker, so that it belongs in its own result.
            let key = random.below(2) == 0 ? random.key() : everyone[asker].flipping(bit: 200)
            let (outcome, stats) = try network.outcome(of: .closestPeers(key), at: asker)
            guard case .closestPeers(key, let found) = outcome else {
                Issue.record("closestPeers must report peers")
                return
            }
            #expect(found.map(\.id) == bruteForceClosest(everyone, to: key, count: 6))
            #expect(stats.messagesSent >= 5)
            #expect(stats.hops >= 1)
            #expect(stats.finished > stats.started)
        }
    }

    @Test func crashedPeersAreLeftOutAndUpkeepRestoresExactResults() throws {
        var network = joinedNetwork()
        network.crashed = [3, 7, 11, 19, 23, 31]
        var random = TestRandom(seed: 4)
        let liveIndices = network.nodes.indices.filter { !network.crashed.contains($0) }
        let live = liveIndices.map { network.nodes[$0].localPeer.id }
        let dead = Set(network.crashed.map { network.nodes[$0].localPeer.id })

        // Right after the crashes: no crashed peer in any result, and every crashed peer asked is dropped.
        for _ in 0..<5 {
            let (outcome, stats) = try network.outcome(of: .closestPeers(random.key()), at: 5)
            guard case .closestPeers(_, let found) = outcome else {
                Issue.record("closestPeers must report peers")
                return
            }
            #expect(!found.isEmpty)
            #expect(found.allSatisfy { !dead.contains($0.id) })
            #expect(stats.failures <= stats.messagesSent)
        }
        #expect(network.nodes[5].routingTable.entries.allSatisfy { $0.consecutiveFailures == 0 })

        // A round of upkeep pings every entry silent for its bucket's limit (30 s in the neighbourhood, 15 min
        // below it): the crashed ones leave every table, and lookups are exact again.
        network.now = network.now + .seconds(15 * 60 + 1)
        for index in liveIndices { network.tick(index) }
        for index in liveIndices {
            #expect(network.nodes[index].routingTable.entries.allSatisfy { !dead.contains($0.peer.id) })
        }
        for _ in 0..<5 {
            let key = random.key()
            let (outcome, _) = try network.outcome(of: .closestPeers(key), at: 5)
            guard case .closestPeers(_, let found) = outcome else {
                Issue.record("closestPeers must report peers")
                return
            }
            #expect(found.map(\.id) == bruteForceClosest(live, to: key, count: 6))
        }
    }

    @Test func providerRecordsAreFoundFromAnotherPeer() throws {
        var network = joinedNetwork()
        let key = SHA256.hash(Array("some content".utf8))
        let (provided, _) = try network.outcome(of: .provide(key), at: 3)
        guard case .provided(key, let storedAt, _) = provided else {
            Issue.record("provide must report where it stored")
            return
        }
        #expect(storedAt == 6)

        let (outcome, stats) = try network.outcome(of: .getProviders(key), at: 30)
        guard case .providers(key, let records) = outcome else {
            Issue.record("getProviders must report providers")
            return
        }
        #expect(records.map(\.provider) == [network.nodes[3].localPeer.id])
        #expect(records.first?.addresses == [network.nodes[3].localPeer.address])
        #expect(records.allSatisfy { $0.isValid(now: network.now) })
        #expect(stats.messagesSent >= 1)

        let (none, _) = try network.outcome(of: .getProviders(SHA256.hash([1, 2, 3])), at: 30)
        guard case .providers(_, let nothing) = none else {
            Issue.record("getProviders must report providers")
            return
        }
        #expect(nothing.isEmpty)
    }

    @Test func peerRecordsAreFoundFromAnotherPeer() throws {
        var network = joinedNetwork()
        let (published, _) = try network.outcome(of: .publishPeerRecord, at: 12)
        #expect(published == .peerRecordPublished(storedAt: 6))
        let subject = network.nodes[12].localPeer
        // The subject goes away: only the records and the routing tables of others still name it.
        network.crashed = [12]
        let (outcome, stats) = try network.outcome(of: .findPeer(subject.id), at: 25)
        #expect(outcome == .peerFound(subject.id, [subject.address]))
        #expect(stats.hops >= 1)

        let stranger = testIdentity(200).peerID
        let (missing, _) = try network.outcome(of: .findPeer(stranger), at: 25)
        #expect(missing == .peerFound(stranger, nil))
    }

    @Test func storedRecordsSitAtTheClosestPeers() throws {
        var network = joinedNetwork()
        let key = SHA256.hash(Array("placement".utf8))
        _ = try network.outcome(of: .provide(key), at: 8)
        let everyone = network.nodes.map(\.localPeer.id)
        let closest = Set(bruteForceClosest(everyone, to: key, count: 6))
        for node in network.nodes {
            let holds = !node.records.providers(for: key, now: network.now).isEmpty
            #expect(holds == closest.contains(node.localPeer.id))
        }
    }
}
