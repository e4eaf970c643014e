import CairnDHT
import CairnWire
import Testing

@Suite struct DHTNodeTests {
    let address = PeerAddress(host: "local", port: 7000)

    func node(_ n: UInt8 = 100, config: DHTConfig = DHTConfig(), now: Instant = .zero) -> DHTNode {
        DHTNode(identity: testIdentity(n), address: address, config: config, now: now)
    }

    /// Records judged strictly by their signed expiry: no clock skew tolerated, kept no longer than signed.
    static var strict: DHTConfig {
        var config = DHTConfig()
        config.maxClockSkew = .zero
        return config
    }

    func sends(_ actions: [DHTAction]) -> [(RequestID, PeerInfo, DHTRequest)] {
        actions.compactMap {
            if case .send(let id, let to, let request) = $0 { (id, to, request) } else { nil }
        }
    }

    @Test func aRecentSelfLookupServesThePeerRecordsPublicationUntilItIsStale() {
        var dht = node()
        var random = TestRandom(seed: 31)
        let others = (0..<3).map { _ in peer(random.key()) }
        for p in others { dht.addKnownPeer(p, now: .zero) }
        // A lookup of the node's own ID, which every peer answers with no one closer.
        dht.startQuery(.closestPeers(dht.localPeer.id), now: .at(1))
        var asked = sends(dht.takeActions())
        while !asked.isEmpty {
            for request in asked { dht.handleResponse(.nodes([]), to: request.0, now: .at(1)) }
            asked = sends(dht.takeActions())
        }
        // Within `selfLookupReuse`: the record goes to the peers it found, with no lookup of its own.
        dht.startQuery(.publishPeerRecord, now: .at(20))
        let published = sends(dht.takeActions())
        #expect(Set(published.map(\.1.id)) == Set(others.map(\.id)))
        #expect(published.allSatisfy { if case .putPeerRecord = $0.2 { true } else { false } })
        // Past it: a lookup first, as Kademlia publishes.
        dht.startQuery(.publishPeerRecord, now: .at(1 + 31))
        let later = sends(dht.takeActions())
        #expect(!later.isEmpty && later.allSatisfy { if case .findNode = $0.2 { true } else { false } })
    }

    @Test func answersPingAndLearnsTheCaller() {
        var dht = node()
        let caller = peer(testIdentity(1).peerID)
        #expect(dht.handleRequest(.ping, from: caller, now: .at(3)) == .pong)
        #expect(dht.routingTable.entry(for: caller.id)?.lastSeen == .at(3))
        #expect(dht.takeActions().isEmpty)
    }

    @Test func answersCallersWithoutAddressButDoesNotAddThem() {
        var dht = node()
        #expect(dht.handleRequest(.findNode(target: .zero), from: nil, now: .zero) == .nodes([]))
        #expect(dht.routingTable.count == 0)
    }

    @Test func findNodeListsTheClosestKnownButNotTheCaller() {
        var config = DHTConfig()
        config.k = 4
        var dht = node(config: config)
        var random = TestRandom(seed: 5)
        let known = (0..<30).map { _ in peer(random.key()) }
        for p in known { dht.addKnownPeer(p, now: .zero) }
        let inTable = dht.routingTable.entries.map(\.peer.id)
        let caller = known.first { inTable.contains($0.id) }!
        let target = random.key()
        guard case .nodes(let listed) = dht.handleRequest(.findNode(target: target), from: caller, now: .zero) else {
            Issue.record("findNode must be answered with nodes")
            return
        }
        #expect(listed.map(\.id) == bruteForceClosest(inTable.filter { $0 != caller.id }, to: target, count: 4))
    }

    @Test func storesValidProviderRecordsAndRefusesForgedOnes() {
        var dht = node(config: Self.strict)
        let key = Key256(w0: 9, w1: 9, w2: 9, w3: 9)
        let record = ProviderRecord(key: key, identity: testIdentity(2), addresses: [address], expires: .at(100))
        var forged = record
        forged.providerKey = testIdentity(3).publicKey
        guard case .refused(let reason) = dht.handleRequest(.addProvider(forged), from: nil, now: .at(1)) else {
            Issue.record("a forged provider record must be refused")
            return
        }
        #expect(reason.contains("bad signature"))
        #expect(dht.handleRequest(.addProvider(record), from: nil, now: .at(1)) == .stored)
        #expect(dht.handleRequest(.getProviders(key: key), from: nil, now: .at(2)) == .providers([record], closer: []))
        #expect(dht.handleRequest(.getProviders(key: key), from: nil, now: .at(100)) == .providers([], closer: []))
    }

    @Test func storesValidPeerRecordsAndRefusesExpiredOnes() {
        var dht = node(config: Self.strict)
        let subject = testIdentity(4)
        let expired = PeerRecord(identity: subject, addresses: [address], issued: .at(1), expires: .at(5))
        guard case .refused = dht.handleRequest(.putPeerRecord(expired), from: nil, now: .at(5)) else {
            Issue.record("an expired peer record must be refused")
            return
        }
        let record = PeerRecord(identity: subject, addresses: [address], issued: .at(1), expires: .at(50))
        #expect(dht.handleRequest(.putPeerRecord(record), from: nil, now: .at(5)) == .stored)
        #expect(dht.handleRequest(.getPeerRecord(subject.peerID), from: nil, now: .at(6))
            == .peerRecord(record, closer: []))
    }

    @Test func queriesFinishAtOnceWithoutPeers() throws {
        var dht = node()
        let key = Key256(w0: 1, w1: 0, w2: 0, w3: 0)
        let closest = dht.startQuery(.closestPeers(key), now: .at(1))
        let bootstrap = dht.startQuery(.bootstrap, now: .at(1))
        let me = dht.startQuery(.findPeer(dht.localPeer.id), now: .at(1))
        let provide = dht.startQuery(.provide(key), now: .at(1))
        let providers = dht.startQuery(.getProviders(key), now: .at(2))
        let outcomes = dht.takeActions().compactMap { action -> (QueryID, QueryOutcome)? in
            if case .finished(let id, let outcome, _) = action { (id, outcome) } else { nil }
        }
        #expect(outcomes.count == 5)
        #expect(outcomes[0] == (closest, .closestPeers(key, [dht.localPeer])))
        #expect(outcomes[1] == (bootstrap, .bootstrapped(peersKnown: 0)))
        #expect(outcomes[2] == (me, .peerFound(dht.localPeer.id, [address])))
        #expect(outcomes[3] == (provide, .provided(key, storedAt: 1, closest: [dht.localPeer])))
        guard case .providers(key, let records) = outcomes[4].1 else {
            Issue.record("getProviders must report providers")
            return
        }
        #expect(outcomes[4].0 == providers)
        #expect(records.map(\.provider) == [dht.localPeer.id], "the node's own provider record is found locally")
    }

    @Test func lookupSendsAlphaRequestsAndIgnoresUnknownIDs() throws {
        var dht = node()
        var random = TestRandom(seed: 6)
        for _ in 0..<10 { dht.addKnownPeer(peer(random.key()), now: .zero) }
        let target = random.key()
        _ = dht.startQuery(.closestPeers(target), now: .at(1))
        let sent = sends(dht.takeActions())
        #expect(sent.count == 3)
        #expect(sent.allSatisfy { $0.2 == .findNode(target: target) })
        #expect(sent.map(\.1.id) == Array(dht.closestKnown(to: target, count: 3).map(\.id)))
        dht.handleResponse(.nodes([]), to: RequestID(rawValue: 999), now: .at(2))
        dht.handleFailure(of: RequestID(rawValue: 998), now: .at(2))
        #expect(dht.takeActions().isEmpty)
        #expect(dht.outstandingRequests == 3)
        // A settled ID is unknown from then on.
        dht.handleResponse(.nodes([]), to: sent[0].0, now: .at(2))
        dht.handleResponse(.nodes([]), to: sent[0].0, now: .at(2))
        #expect(sends(dht.takeActions()).count == 1, "one answer frees one slot")
    }

    @Test func failedPeerLeavesTheTableAndAnsweringPeerIsRefreshed() {
        var dht = node()
        var random = TestRandom(seed: 7)
        for _ in 0..<5 { dht.addKnownPeer(peer(random.key()), now: .zero) }
        _ = dht.startQuery(.closestPeers(random.key()), now: .at(1))
        let sent = sends(dht.takeActions())
        dht.handleFailure(of: sent[0].0, now: .at(6))
        dht.handleResponse(.nodes([]), to: sent[1].0, now: .at(7))
        #expect(!dht.routingTable.contains(sent[0].1.id))
        #expect(dht.routingTable.entry(for: sent[1].1.id)?.lastSeen == .at(7))
        #expect(dht.routingTable.count == 4)
    }

    @Test func aResponseOfTheWrongKindFailsTheStepButKeepsThePeer() {
        var dht = node()
        var random = TestRandom(seed: 8)
        let only = peer(random.key())
        dht.addKnownPeer(only, now: .zero)
        let query = dht.startQuery(.closestPeers(random.key()), now: .at(1))
        let sent = sends(dht.takeActions())
        dht.handleResponse(.pong, to: sent[0].0, now: .at(2))
        guard case .finished(query, .closestPeers(_, let result), let stats) = dht.takeActions().last else {
            Issue.record("the lookup must finish")
            return
        }
        #expect(result == [dht.localPeer])
        #expect(stats.failures == 1)
        #expect(stats.messagesSent == 1)
        #expect(dht.routingTable.contains(only.id))
    }

    /// Bucket 0 of a k = 2 node, filled at time 0; a newcomer for it at time 60.
    func fullBucketScenario() -> (DHTNode, old: [PeerInfo], newcomer: PeerInfo) {
        var config = DHTConfig()
        config.k = 2
        var dht = node(config: config)
        var random = TestRandom(seed: 9)
        let local = dht.localPeer.id
        let old = (0..<2).map { _ in peer(local.inBucket(0, noise: random.key())) }
        for p in old { dht.addKnownPeer(p, now: .zero) }
        let newcomer = peer(local.inBucket(0, noise: random.key()))
        #expect(dht.handleRequest(.ping, from: newcomer, now: .at(60)) == .pong)
        return (dht, old, newcomer)
    }

    @Test func fullBucketPingsTheOldestAndEvictsItWhenThePingFails() throws {
        var (dht, old, newcomer) = fullBucketScenario()
        let sent = sends(dht.takeActions())
        #expect(sent.count == 1)
        let ping = try #require(sent.first)
        #expect(ping.1 == old[0])
        #expect(ping.2 == .ping)
        #expect(!dht.routingTable.contains(newcomer.id))
        dht.handleFailure(of: ping.0, now: .at(65))
        #expect(!dht.routingTable.contains(old[0].id))
        #expect(dht.routingTable.bucket(0).entries.map(\.peer) == [old[1], newcomer])
    }

    @Test func fullBucketKeepsTheOldestWhenItAnswers() throws {
        var (dht, old, newcomer) = fullBucketScenario()
        let ping = try #require(sends(dht.takeActions()).first)
        dht.handleResponse(.pong, to: ping.0, now: .at(61))
        #expect(dht.routingTable.bucket(0).entries.map(\.peer) == [old[1], old[0]])
        #expect(!dht.routingTable.contains(newcomer.id))
    }

    @Test func tickPingsSilentEntriesOnceAndEvictsThoseThatFail() throws {
        var dht = node()
        var random = TestRandom(seed: 10)
        let quiet = peer(random.key())
        let chatty = peer(random.key())
        dht.addKnownPeer(quiet, now: .zero)
        dht.addKnownPeer(chatty, now: .at(20))
        dht.tick(now: .at(31))
        let pings = sends(dht.takeActions())
        #expect(pings.map(\.1) == [quiet])
        #expect(pings.map(\.2) == [.ping])
        dht.tick(now: .at(32))
        #expect(sends(dht.takeActions()).isEmpty, "no second ping while one is in flight")
        dht.handleFailure(of: pings[0].0, now: .at(36))
        #expect(!dht.routingTable.contains(quiet.id))
        #expect(dht.routingTable.contains(chatty.id))
    }

    @Test func tickRefreshesStaleBucketsWithASelfLookupFirst() throws {
        var dht = node()
        var random = TestRandom(seed: 11)
        for _ in 0..<6 { dht.addKnownPeer(peer(random.key()), now: .zero) }
        dht.tick(now: .at(299))
        #expect(sends(dht.takeActions()).allSatisfy { $0.2 == .ping }, "nothing is stale yet")
        dht.tick(now: .at(300))
        let lookups = sends(dht.takeActions()).filter { $0.2 != .ping }
        #expect(lookups.count == 3)
        #expect(lookups.allSatisfy { $0.2 == .findNode(target: dht.localPeer.id) })
        #expect(dht.runningQueries == 1)
        dht.tick(now: .at(301))
        #expect(sends(dht.takeActions()).filter { $0.2 != .ping }.isEmpty, "one refresh at a time")
    }

    @Test func tickDropsExpiredRecordsAndRepublishesOwnOnesSilently() throws {
        var config = Self.strict
        config.recordTTL = .seconds(100)
        config.republishInterval = .seconds(50)
        var dht = node(config: config)
        let key = Key256(w0: 5, w1: 5, w2: 5, w3: 5)
        _ = dht.startQuery(.provide(key), now: .at(0))
        _ = dht.takeActions()
        let other = ProviderRecord(key: key, identity: testIdentity(1), addresses: [address], expires: .at(40))
        #expect(dht.handleRequest(.addProvider(other), from: nil, now: .at(1)) == .stored)
        #expect(dht.records.providerRecordCount == 2)

        dht.tick(now: .at(50))
        #expect(dht.takeActions().isEmpty, "maintenance queries report nothing")
        let held = dht.records.providers(for: key, now: .at(50))
        #expect(held.map(\.provider) == [dht.localPeer.id])
        #expect(held.first?.expires == .at(150), "the own record was stored again with a fresh expiry")
    }

    @Test func findPeerStopsWhenAResponseNamesTheTarget() throws {
        var dht = node()
        var random = TestRandom(seed: 12)
        let first = peer(random.key())
        dht.addKnownPeer(first, now: .zero)
        let target = PeerInfo(id: random.key(), address: PeerAddress(host: "target.example", port: 9))
        let query = dht.startQuery(.findPeer(target.id), now: .at(1))
        let request = try #require(sends(dht.takeActions()).first)
        #expect(request.2 == .getPeerRecord(target.id))
        dht.handleResponse(.peerRecord(nil, closer: [target]), to: request.0, now: .at(2))
        guard case .finished(query, let outcome, let stats) = dht.takeActions().last else {
            Issue.record("findPeer must finish")
            return
        }
        #expect(outcome == .peerFound(target.id, [target.address]))
        #expect(stats.hops == 2)
    }

    @Test func findPeerTakesAValidRecordAndIgnoresAForgedOne() throws {
        var dht = node()
        var random = TestRandom(seed: 14)
        for _ in 0..<2 { dht.addKnownPeer(peer(random.key()), now: .zero) }
        let subject = testIdentity(7)
        let record = PeerRecord(identity: subject, addresses: [PeerAddress(host: "subject.example", port: 3)],
                                issued: .at(1), expires: .at(100))
        var forged = record
        forged.addresses = [PeerAddress(host: "evil.example", port: 3)]
        let query = dht.startQuery(.findPeer(subject.peerID), now: .at(1))
        let requests = sends(dht.takeActions())
        #expect(requests.count == 2)
        dht.handleResponse(.peerRecord(forged, closer: []), to: requests[0].0, now: .at(2))
        #expect(dht.takeActions().isEmpty, "a forged record does not end the search")
        dht.handleResponse(.peerRecord(record, closer: []), to: requests[1].0, now: .at(3))
        guard case .finished(query, let outcome, _) = dht.takeActions().last else {
            Issue.record("findPeer must finish")
            return
        }
        #expect(outcome == .peerFound(subject.peerID, record.addresses))
    }

    @Test func findPeerRecordGoesPastAnAddressUntilARecordThatChecksOut() throws {
        var dht = node()
        var random = TestRandom(seed: 15)
        for _ in 0..<2 { dht.addKnownPeer(peer(random.key()), now: .zero) }
        let subject = testIdentity(8)
        let target = PeerInfo(id: subject.peerID, address: PeerAddress(host: "subject.example", port: 3))
        let record = PeerRecord(identity: subject, addresses: [target.address], issued: .at(1), expires: .at(100))
        var forged = record
        forged.addresses = [PeerAddress(host: "evil.example", port: 3)]
        let query = dht.startQuery(.findPeerRecord(subject.peerID), now: .at(1))
        let requests = sends(dht.takeActions())
        #expect(requests.count == 2)
        // Naming the target, or a forged record, does not end it: the target is asked in turn.
        dht.handleResponse(.peerRecord(forged, closer: [target]), to: requests[0].0, now: .at(2))
        let next = sends(dht.takeActions())
        #expect(next.contains { $0.1 == target && $0.2 == .getPeerRecord(subject.peerID) })
        #expect(!dht.takeActions().contains { if case .finished = $0 { true } else { false } })
        let toTarget = try #require(next.first { $0.1 == target })
        dht.handleResponse(.peerRecord(record, closer: []), to: toTarget.0, now: .at(3))
        guard case .finished(query, let outcome, _) = dht.takeActions().last else {
            Issue.record("findPeerRecord must finish")
            return
        }
        #expect(outcome == .peerRecord(subject.peerID, record))
    }

    @Test func aPeerAskedForItsOwnRecordServesOneSignedByItsKey() throws {
        var dht = node()
        var random = TestRandom(seed: 16)
        let asker = peer(random.key())
        let answer = dht.handleRequest(.getPeerRecord(dht.localPeer.id), from: asker, now: .at(5))
        guard case .peerRecord(let record?, _) = answer else {
            Issue.record("no record: \(answer)")
            return
        }
        #expect(record.peerID == dht.localPeer.id)
        #expect(record.isValid(now: Instant.at(5)))
        #expect(record.addresses == [dht.localPeer.address])
    }

    @Test func getProvidersIgnoresForgedRecordsInResponses() throws {
        var dht = node()
        var random = TestRandom(seed: 13)
        let responder = peer(random.key())
        dht.addKnownPeer(responder, now: .zero)
        let key = random.key()
        let valid = ProviderRecord(key: key, identity: testIdentity(1), addresses: [address], expires: .at(100))
        var forged = ProviderRecord(key: key, identity: testIdentity(2), addresses: [address], expires: .at(100))
        forged.expires = .at(200)
        let otherKey = ProviderRecord(key: random.key(), identity: testIdentity(3), addresses: [address],
                                      expires: .at(100))
        let query = dht.startQuery(.getProviders(key), now: .at(1))
        let request = try #require(sends(dht.takeActions()).first)
        dht.handleResponse(.providers([forged, valid, otherKey], closer: []), to: request.0, now: .at(2))
        guard case .finished(query, .providers(key, let found), _) = dht.takeActions().last else {
            Issue.record("getProviders must finish")
            return
        }
        #expect(found == [valid])
    }

    /// Issue 6, item 7: a record signed by a clock hours behind or ahead is taken and kept for the receiver's
    /// lifetime; one outside the window is refused with a reason that names the clock.
    @Test func recordsFromClocksHoursOffAreTakenAndKeptOnTheReceiversClock() {
        var config = DHTConfig()
        config.recordTTL = .seconds(3600)
        var dht = node(config: config)
        let now = Instant.seconds(1_000_000)
        let key = Key256(w0: 3, w1: 3, w2: 3, w3: 3)
        // Signed by a clock 2 h behind: it "expired" an hour ago here.
        let behind = ProviderRecord(key: key, identity: testIdentity(1), addresses: [address],
                                    expires: now - .seconds(7200) + .seconds(3600))
        // Signed by a clock 2 h ahead.
        let ahead = ProviderRecord(key: key, identity: testIdentity(2), addresses: [address],
                                   expires: now + .seconds(7200) + .seconds(3600))
        #expect(dht.handleRequest(.addProvider(behind), from: nil, now: now) == .stored)
        #expect(dht.handleRequest(.addProvider(ahead), from: nil, now: now) == .stored)
        let held = dht.records.providers(for: key, now: now + .seconds(3599))
        #expect(Set(held.map(\.provider)) == [testIdentity(1).peerID, testIdentity(2).peerID])
        #expect(dht.records.providers(for: key, now: now + .seconds(3600)).isEmpty, "kept an hour from arrival")

        let subject = testIdentity(5)
        let peerRecord = PeerRecord(identity: subject, addresses: [address], issued: now - .seconds(7200),
                                    expires: now - .seconds(3600))
        #expect(dht.handleRequest(.putPeerRecord(peerRecord), from: nil, now: now) == .stored)

        let tooOld = ProviderRecord(key: key, identity: testIdentity(3), addresses: [address],
                                    expires: now - .seconds(25 * 3600))
        guard case .refused(let reason) = dht.handleRequest(.addProvider(tooOld), from: nil, now: now) else {
            Issue.record("a record a day and more out of date must be refused")
            return
        }
        #expect(reason.contains("25 h 0 min before this peer's clock") && reason.contains("clock is probably wrong"),
                "\(reason)")
        let tooFar = ProviderRecord(key: key, identity: testIdentity(4), addresses: [address],
                                    expires: now + .seconds(26 * 3600))
        guard case .refused(let ahead2) = dht.handleRequest(.addProvider(tooFar), from: nil, now: now) else {
            Issue.record("a record expiring more than a day past the lifetime must be refused")
            return
        }
        #expect(ahead2.contains("too far ahead"), "\(ahead2)")
    }

    @Test func aLookupTakesRecordsFromSkewedClocks() throws {
        var dht = node()
        var random = TestRandom(seed: 15)
        let responder = peer(random.key())
        dht.addKnownPeer(responder, now: .zero)
        let key = random.key()
        let now = Instant.seconds(1_000_000)
        let behind = ProviderRecord(key: key, identity: testIdentity(1), addresses: [address],
                                    expires: now - .seconds(3600))
        let query = dht.startQuery(.getProviders(key), now: now)
        let request = try #require(sends(dht.takeActions()).first)
        dht.handleResponse(.providers([behind], closer: []), to: request.0, now: now)
        guard case .finished(query, .providers(key, let found), _) = dht.takeActions().last else {
            Issue.record("getProviders must finish")
            return
        }
        #expect(found == [behind])
    }
}
