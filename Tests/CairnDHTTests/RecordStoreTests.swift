import CairnDHT
import CairnWire
import Testing

@Suite struct RecordStoreTests {
    let key = Key256(w0: 1, w1: 2, w2: 3, w3: 4)
    let address = PeerAddress(host: "127.0.0.1", port: 4000)

    func provider(_ n: UInt8, expires: Int64) -> ProviderRecord {
        ProviderRecord(key: key, identity: testIdentity(n), addresses: [address], expires: .at(expires))
    }

    @Test func storesAndReturnsValidProviderRecords() throws {
        var store = RecordStore(maxProvidersPerKey: 5)
        let a = provider(1, expires: 100)
        let b = provider(2, expires: 100)
        try store.addProvider(a, now: .at(1))
        try store.addProvider(b, now: .at(1))
        #expect(store.providers(for: key, now: .at(2)) == [a, b])
        #expect(store.providers(for: Key256.zero, now: .at(2)).isEmpty)
        #expect(store.providerRecordCount == 2)
    }

    @Test func refusesForgedAndExpiredProviderRecords() {
        var store = RecordStore()
        var forged = provider(1, expires: 100)
        forged.addresses = [PeerAddress(host: "evil.example", port: 1)]
        #expect(throws: RecordRejection.invalidProviderRecord(key: key, provider: forged.provider)) {
            try store.addProvider(forged, now: .at(1))
        }
        var wrongKey = provider(1, expires: 100)
        wrongKey.key = Key256.zero
        #expect(throws: RecordRejection.self) { try store.addProvider(wrongKey, now: .at(1)) }
        let expired = provider(1, expires: 10)
        #expect(throws: RecordRejection.self) { try store.addProvider(expired, now: .at(10)) }
        #expect(store.providerRecordCount == 0)
    }

    @Test func keepsOneRecordPerProvider() throws {
        var store = RecordStore()
        try store.addProvider(provider(1, expires: 100), now: .at(1))
        let newer = provider(1, expires: 200)
        try store.addProvider(newer, now: .at(2))
        #expect(store.providers(for: key, now: .at(3)) == [newer])
    }

    @Test func boundsProvidersPerKeyByExpiry() throws {
        var store = RecordStore(maxProvidersPerKey: 2)
        try store.addProvider(provider(1, expires: 100), now: .at(1))
        try store.addProvider(provider(2, expires: 300), now: .at(1))
        #expect(throws: RecordRejection.providersFull(key: key, limit: 2)) {
            try store.addProvider(provider(3, expires: 50), now: .at(1))
        }
        let late = provider(4, expires: 400)
        try store.addProvider(late, now: .at(1))
        #expect(Set(store.providers(for: key, now: .at(2)).map(\.provider))
            == [testIdentity(2).peerID, testIdentity(4).peerID])
    }

    @Test func dropsExpiredRecordsOnRemoveExpired() throws {
        var store = RecordStore()
        try store.addProvider(provider(1, expires: 10), now: .at(1))
        try store.addProvider(provider(2, expires: 20), now: .at(1))
        try store.putPeerRecord(PeerRecord(identity: testIdentity(3), addresses: [address], issued: .at(1),
                                           expires: .at(10)), now: .at(1))
        #expect(store.providers(for: key, now: .at(10)).count == 1, "expired records are never handed out")
        store.removeExpired(now: .at(15))
        #expect(store.providerRecordCount == 1)
        #expect(store.peerRecordCount == 0)
        store.removeExpired(now: .at(20))
        #expect(store.providerRecordCount == 0)
    }

    @Test func keepsTheNewestPeerRecord() throws {
        var store = RecordStore()
        let identity = testIdentity(5)
        let old = PeerRecord(identity: identity, addresses: [address], issued: .at(1), expires: .at(100))
        let new = PeerRecord(identity: identity, addresses: [PeerAddress(host: "new.example", port: 5)], issued: .at(2),
                             expires: .at(100))
        try store.putPeerRecord(new, now: .at(3))
        #expect(throws: RecordRejection.stalePeerRecord(identity.peerID)) { try store.putPeerRecord(old, now: .at(3)) }
        #expect(store.peerRecord(for: identity.peerID, now: .at(3)) == new)
        #expect(store.peerRecord(for: identity.peerID, now: .at(100)) == nil)
    }

    @Test func refusesForgedAndExpiredPeerRecords() {
        var store = RecordStore()
        let identity = testIdentity(6)
        var forged = PeerRecord(identity: identity, addresses: [address], issued: .at(1), expires: .at(100))
        forged.issued = .at(2)
        #expect(throws: RecordRejection.invalidPeerRecord(identity.peerID)) {
            try store.putPeerRecord(forged, now: .at(3))
        }
        let expired = PeerRecord(identity: identity, addresses: [address], issued: .at(1), expires: .at(2))
        #expect(throws: RecordRejection.outsideClockWindow(subject: "peer record of \(identity.peerID.shortHex)",
                                                           expires: .at(2), now: .at(3), tolerance: .zero)) {
            try store.putPeerRecord(expired, now: .at(3))
        }
    }

    @Test func rejectionsReadAsSentences() {
        let text = RecordRejection.providersFull(key: key, limit: 20).description
        #expect(text.contains("20 providers"))
        #expect(RecordRejection.invalidPeerRecord(key).description.contains("bad signature"))
    }
}

/// Issue 6, item 7: the clock-skew window and how peers' clocks are compared.
@Suite struct ClockSkewTests {
    @Test func theMedianOffsetResistsOneWrongClock() {
        var skew = ClockSkew()
        for seconds: Int64 in [7200, 7201, 7199, -90000] { skew.add(offset: .seconds(seconds)) }
        #expect(skew.median() == .seconds(7200) - .milliseconds(500))
        #expect(skew.excessive(tolerance: .seconds(24 * 3600)) == nil)
        #expect(skew.excessive(tolerance: .seconds(3600)) != nil)
    }

    @Test func tooFewSamplesTellNothing() {
        var skew = ClockSkew()
        skew.add(offset: .seconds(100_000))
        skew.add(offset: .seconds(100_000))
        #expect(skew.median() == nil)
        #expect(skew.excessive(tolerance: .seconds(1)) == nil)
    }

    @Test func oneExchangeMeasuresFromItsMidpoint() {
        var skew = ClockSkew()
        skew.add(sent: .seconds(100), received: .seconds(102), remote: .seconds(7301))
        #expect(skew.offsets == [.seconds(7200)])
        #expect(ClockSkew.describe(.seconds(7200)) == "2 h 0 min behind")
        #expect(ClockSkew.describe(.zero - .seconds(7200)) == "2 h 0 min ahead of")
    }

    @Test func theWindowKeepsRecordsForTheReceiversLifetime() throws {
        let store = RecordStore(lifetime: .seconds(100), maxClockSkew: .seconds(1000))
        let now = Instant.seconds(10_000)
        #expect(try store.keptUntil(expires: now - .seconds(999), now: now, subject: "r") == now + .seconds(1))
        #expect(try store.keptUntil(expires: now + .seconds(50), now: now, subject: "r") == now + .seconds(100))
        #expect(try store.keptUntil(expires: now + .seconds(1100), now: now, subject: "r") == now + .seconds(100))
        for expires in [now - .seconds(1000), now + .seconds(1101)] {
            #expect(throws: RecordRejection.self) { try store.keptUntil(expires: expires, now: now, subject: "r") }
        }
    }
}
