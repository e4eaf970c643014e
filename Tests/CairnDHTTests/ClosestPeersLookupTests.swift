import CairnDHT
import CairnWire
import Testing

@Suite struct ClosestPeersLookupTests {
    let target = Key256(w0: 0x8000_0000_0000_0000, w1: 0, w2: 0, w3: 0)

    /// Peers at increasing distance from `target`: index 0 is the closest.
    func ladder(_ count: Int) -> [PeerInfo] {
        (0..<count).map { i in peer(target.distance(to: Key256(w0: 0, w1: 0, w2: 0, w3: UInt64(i + 1) * 16))) }
    }

    @Test func noCandidatesFinishesAtOnce() {
        var lookup = ClosestPeersLookup(target: target, seeds: [], k: 20, alpha: 3)
        #expect(lookup.next(now: .at(1)) == .finished)
        #expect(lookup.isFinished)
        #expect(lookup.finishedAt == .at(1))
        #expect(lookup.results.isEmpty)
        #expect(lookup.messagesSent == 0)
    }

    @Test func keepsAtMostAlphaRequestsInFlight() {
        let peers = ladder(10)
        var lookup = ClosestPeersLookup(target: target, seeds: peers.reversed(), k: 5, alpha: 3)
        #expect(lookup.next(now: .zero) == .contact(peers[0]), "closest first")
        #expect(lookup.next(now: .zero) == .contact(peers[1]))
        #expect(lookup.next(now: .zero) == .contact(peers[2]))
        #expect(lookup.next(now: .zero) == .waiting)
        #expect(lookup.inFlight == 3)
        lookup.onSuccess(peers[1].id, closer: [])
        #expect(lookup.next(now: .zero) == .contact(peers[3]))
        #expect(lookup.next(now: .zero) == .waiting)
        #expect(lookup.messagesSent == 4)
    }

    @Test func finishesOnlyWhenTheKClosestNonFailedHaveAllSucceeded() {
        let peers = ladder(4)
        var lookup = ClosestPeersLookup(target: target, seeds: peers, k: 2, alpha: 3)
        #expect(lookup.next(now: .zero) == .contact(peers[0]))
        #expect(lookup.next(now: .zero) == .contact(peers[1]))
        #expect(lookup.next(now: .zero) == .waiting, "peers[2] is not among the two closest")
        lookup.onSuccess(peers[1].id, closer: [])
        // peers[0] is still among the two closest and has not answered: no finish.
        #expect(lookup.next(now: .zero) == .waiting)
        lookup.onFailure(peers[0].id)
        #expect(lookup.next(now: .zero) == .contact(peers[2]), "the failure moves peers[2] up")
        lookup.onSuccess(peers[2].id, closer: [])
        #expect(lookup.next(now: .at(2)) == .finished)
        #expect(lookup.results == [peers[1], peers[2]])
        #expect(lookup.failures == 1)
        #expect(lookup.messagesSent == 3)
        #expect(lookup.state(of: peers[0].id) == .failed)
        #expect(lookup.state(of: peers[3].id) == .notContacted)
    }

    @Test func runsOutOfCandidatesAndReturnsWhatAnswered() {
        let peers = ladder(3)
        var lookup = ClosestPeersLookup(target: target, seeds: peers, k: 5, alpha: 3)
        for i in 0..<3 { #expect(lookup.next(now: .zero) == .contact(peers[i])) }
        lookup.onFailure(peers[1].id)
        lookup.onSuccess(peers[0].id, closer: [])
        #expect(lookup.next(now: .zero) == .waiting)
        lookup.onSuccess(peers[2].id, closer: [])
        #expect(lookup.next(now: .zero) == .finished)
        #expect(lookup.results == [peers[0], peers[2]])
    }

    @Test func aCloserPeerLearnedLateMustAnswerBeforeTheFinish() {
        let peers = ladder(6)
        var lookup = ClosestPeersLookup(target: target, seeds: [peers[4], peers[5]], k: 2, alpha: 2)
        #expect(lookup.next(now: .zero) == .contact(peers[4]))
        #expect(lookup.next(now: .zero) == .contact(peers[5]))
        lookup.onSuccess(peers[5].id, closer: [peers[1]])
        #expect(lookup.next(now: .zero) == .contact(peers[1]))
        lookup.onSuccess(peers[4].id, closer: [peers[0]])
        #expect(lookup.next(now: .zero) == .contact(peers[0]))
        lookup.onSuccess(peers[1].id, closer: [])
        #expect(lookup.next(now: .zero) == .waiting)
        lookup.onSuccess(peers[0].id, closer: [])
        #expect(lookup.next(now: .zero) == .finished)
        #expect(lookup.results == [peers[0], peers[1]])
    }

    @Test func depthCountsTheHopsThatFoundEachPeer() throws {
        let peers = ladder(5)
        var lookup = ClosestPeersLookup(target: target, seeds: [peers[4]], k: 2, alpha: 1)
        #expect(lookup.next(now: .zero) == .contact(peers[4]))
        lookup.onSuccess(peers[4].id, closer: [peers[2], peers[3]])
        #expect(lookup.next(now: .zero) == .contact(peers[2]))
        lookup.onSuccess(peers[2].id, closer: [peers[0], peers[3]])
        #expect(lookup.depth(of: peers[3].id) == 2, "depth is fixed by the first responder to name a peer")
        #expect(lookup.next(now: .zero) == .contact(peers[0]))
        lookup.onSuccess(peers[0].id, closer: [peers[1]])
        #expect(lookup.next(now: .zero) == .contact(peers[1]))
        lookup.onSuccess(peers[1].id, closer: [])
        #expect(lookup.next(now: .zero) == .finished)
        #expect(lookup.results == [peers[0], peers[1]])
        #expect(try #require(lookup.depth(of: peers[0].id)) == 3)
        #expect(try #require(lookup.depth(of: peers[1].id)) == 4)
        #expect(lookup.hops == 4)
    }

    @Test func localPeerAndDuplicatesAreNeverCandidates() {
        let peers = ladder(3)
        let local = peers[0]
        var lookup = ClosestPeersLookup(target: target, seeds: [local, peers[1], peers[1]], k: 20, alpha: 3,
                                        localID: local.id)
        #expect(lookup.candidates.map(\.peer) == [peers[1]])
        #expect(lookup.next(now: .zero) == .contact(peers[1]))
        lookup.onSuccess(peers[1].id, closer: [local, peers[1], peers[2], peers[2]])
        #expect(lookup.candidates.map(\.peer) == [peers[1], peers[2]])
    }

    @Test func answersFromUnknownOrSettledPeersAreIgnored() {
        let peers = ladder(3)
        var lookup = ClosestPeersLookup(target: target, seeds: [peers[0]], k: 20, alpha: 3)
        lookup.onSuccess(peers[2].id, closer: [peers[1]])
        lookup.onSuccess(peers[0].id, closer: [peers[1]])
        #expect(lookup.candidates.isEmpty == false)
        #expect(lookup.state(of: peers[1].id) == nil, "peers[0] was never contacted")
        #expect(lookup.next(now: .zero) == .contact(peers[0]))
        lookup.onFailure(peers[0].id)
        lookup.onSuccess(peers[0].id, closer: [peers[1]])
        #expect(lookup.state(of: peers[0].id) == .failed)
        #expect(lookup.next(now: .zero) == .finished)
    }

    /// A network of peers whose routing tables hold everyone their buckets can: a lookup from any of them
    /// finds exactly the k closest peers, with at most alpha requests in flight.
    /// Ten peers that all know each other: no answer brings anyone closer, so after alpha answers the lookup asks
    /// the other six at once. Two rounds of requests instead of three, and the same nine messages.
    @Test func aStalledLookupAsksTheRestOfTheKClosestAtOnce() throws {
        var random = TestRandom(seed: 5)
        let ids = (0..<10).map { _ in random.key() }
        let asker = ids[0]
        let key = random.key()
        let everyone = ids.map { peer($0) }
        var lookup = ClosestPeersLookup(
            target: key, seeds: Array(everyone.dropFirst()), k: 20, alpha: 3, localID: asker)
        var rounds = 0
        while !lookup.isFinished {
            var sent: [PeerInfo] = []
            while case .contact(let peer) = lookup.next(now: .zero) { sent.append(peer) }
            guard !sent.isEmpty else { break }
            rounds += 1
            if rounds == 1 { #expect(sent.count == 3) }
            for peer in sent { lookup.onSuccess(peer.id, closer: everyone) }
        }
        _ = lookup.next(now: .zero)
        #expect(lookup.isFinished)
        #expect(rounds == 2)
        #expect(lookup.messagesSent == 9)
        #expect(Set(lookup.results.map(\.id)) == Set(ids.dropFirst()))
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func findsTheTrueClosestInRandomNetworks(seed: UInt64) throws {
        var random = TestRandom(seed: seed)
        let ids = (0..<300).map { _ in random.key() }
        var tables: [PeerID: RoutingTable] = [:]
        for id in ids {
            var table = RoutingTable(localID: id, bucketSize: 8, now: .zero)
            for other in ids.shuffled(using: &random) { table.update(peer(other), seenAt: .zero) }
            tables[id] = table
        }
        for _ in 0..<20 {
            let asker = ids[random.below(ids.count)]
            let key = random.key()
            let k = 8
            var lookup = ClosestPeersLookup(target: key, seeds: try #require(tables[asker]).closest(to: key, count: k),
                                            k: k, alpha: 3, localID: asker)
            var waiting: [PeerInfo] = []
            var contacted = 0
            while true {
                let step = lookup.next(now: .zero)
                if case .contact(let peer) = step {
                    waiting.append(peer)
                    contacted += 1
                    #expect(lookup.inFlight <= lookup.parallelism)
                    #expect(lookup.inFlight <= 3 || lookup.answersWithoutProgress >= 3, "k at once only when stalled")
                    continue
                }
                if step == .finished { break }
                // Answer the oldest request, as a network with equal latencies would.
                let responder = try #require(waiting.first)
                waiting.removeFirst()
                lookup.onSuccess(responder.id, closer: try #require(tables[responder.id]).closest(to: key, count: k))
            }
            let truth = bruteForceClosest(ids.filter { $0 != asker }, to: key, count: k)
            #expect(lookup.results.map(\.id) == truth)
            #expect(lookup.messagesSent == contacted)
            #expect(lookup.hops >= 1)
        }
    }

    /// With peers that fail, the result never holds a failed peer, stays sorted, and every non-failed
    /// candidate closer than the farthest result has answered.
    @Test(arguments: [UInt64(21), 22])
    func failedPeersAreExcludedAndTheFinishRuleHolds(seed: UInt64) throws {
        var random = TestRandom(seed: seed)
        let ids = (0..<200).map { _ in random.key() }
        let dead = Set(ids.prefix(40))
        var tables: [PeerID: RoutingTable] = [:]
        for id in ids {
            var table = RoutingTable(localID: id, bucketSize: 8, now: .zero)
            for other in ids.shuffled(using: &random) { table.update(peer(other), seenAt: .zero) }
            tables[id] = table
        }
        for _ in 0..<15 {
            let asker = ids[40 + random.below(160)]
            let key = random.key()
            var lookup = ClosestPeersLookup(target: key, seeds: try #require(tables[asker]).closest(to: key, count: 8),
                                            k: 8, alpha: 3, localID: asker)
            var waiting: [PeerInfo] = []
            while true {
                let step = lookup.next(now: .zero)
                if case .contact(let peer) = step {
                    waiting.append(peer)
                    continue
                }
                if step == .finished { break }
                let responder = waiting.removeFirst()
                if dead.contains(responder.id) {
                    lookup.onFailure(responder.id)
                } else {
                    let table = try #require(tables[responder.id])
                    lookup.onSuccess(responder.id, closer: table.closest(to: key, count: 8))
                }
            }
            let results = lookup.results
            // Fewer than k only when every candidate has been tried: crashed peers can crowd live ones out
            // of the answers.
            let exhausted = lookup.candidates.allSatisfy { $0.state == .succeeded || $0.state == .failed }
            #expect(results.count == 8 || exhausted)
            #expect(!results.isEmpty)
            #expect(results.allSatisfy { !dead.contains($0.id) })
            #expect(results.map(\.id) == results.map(\.id).sorted { $0.distance(to: key) < $1.distance(to: key) })
            let farthest = try #require(results.last).id.distance(to: key)
            for candidate in lookup.candidates where candidate.peer.id.distance(to: key) <= farthest {
                #expect(candidate.state == .succeeded || candidate.state == .failed)
            }
            #expect(lookup.failures == lookup.candidates.filter { $0.state == .failed }.count)
        }
    }
}
