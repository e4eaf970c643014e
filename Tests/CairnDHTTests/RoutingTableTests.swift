import CairnDHT
import CairnWire
import Testing

@Suite struct RoutingTableTests {
    let local = Key256(w0: 0x0123_4567_89ab_cdef, w1: 0xfeed_face_cafe_beef, w2: 42, w3: 7)

    @Test(arguments: [0, 1, 7, 63, 64, 100, 200, 255])
    func peerGoesToTheBucketOfItsCommonPrefixLength(bit: Int) {
        var table = RoutingTable(localID: local, bucketSize: 20, now: .zero)
        let id = local.flipping(bit: bit)
        #expect(table.update(peer(id), seenAt: .zero) == .inserted)
        #expect(table.bucketIndex(for: id) == bit)
        #expect(table.bucket(bit).entries.map(\.peer.id) == [id])
        #expect(table.count == 1)
        #expect(table.closestNeighbourBucket == bit)
    }

    @Test func contactsVersionMovesWithMembershipAndAddressesOnly() {
        var table = RoutingTable(localID: local, bucketSize: 20, now: .zero)
        let id = local.flipping(bit: 3)
        let start = table.contactsVersion
        table.update(peer(id), seenAt: .zero)
        let added = table.contactsVersion
        #expect(added != start)
        table.update(peer(id), seenAt: .at(5))
        #expect(table.contactsVersion == added, "seeing a contact again changes no contact")
        table.update(PeerInfo(id: id, address: PeerAddress(host: "moved.example", port: 2)), seenAt: .at(6))
        let moved = table.contactsVersion
        #expect(moved != added)
        table.remove(id)
        #expect(table.contactsVersion != moved)
    }

    @Test func localPeerIsNeverAdded() {
        var table = RoutingTable(localID: local, now: .zero)
        #expect(table.update(peer(local), seenAt: .zero) == .local)
        #expect(table.count == 0)
        #expect(table.bucketIndex(for: local) == nil)
    }

    @Test func bucketKeepsLeastRecentlySeenFirst() throws {
        var table = RoutingTable(localID: local, bucketSize: 20, now: .zero)
        var random = TestRandom(seed: 1)
        let ids = (0..<3).map { _ in local.inBucket(0, noise: random.key()) }
        for (i, id) in ids.enumerated() { table.update(peer(id), seenAt: .at(Int64(i))) }
        #expect(table.bucket(0).entries.map(\.peer.id) == ids)

        #expect(table.update(peer(ids[0], port: 9), seenAt: .at(10)) == .updated)
        #expect(table.bucket(0).entries.map(\.peer.id) == [ids[1], ids[2], ids[0]])
        let moved = try #require(table.entry(for: ids[0]))
        #expect(moved.lastSeen == .at(10))
        #expect(moved.peer.address.port == 9, "a newer address replaces the old one")
        #expect(table.count == 3)
    }

    /// Fills bucket 0 of a k = 3 table at times 0, 1, 2 and returns the IDs, oldest first.
    func fullBucket(_ table: inout RoutingTable, random: inout TestRandom) -> [PeerID] {
        let ids = (0..<3).map { _ in local.inBucket(0, noise: random.key()) }
        for (i, id) in ids.enumerated() { #expect(table.update(peer(id), seenAt: .at(Int64(i))) == .inserted) }
        return ids
    }

    @Test func fullBucketPingsLeastRecentlySeenAndKeepsItWhenItAnswers() {
        var table = RoutingTable(localID: local, bucketSize: 3, now: .zero)
        var random = TestRandom(seed: 2)
        let ids = fullBucket(&table, random: &random)
        let newcomer = local.inBucket(0, noise: random.key())

        #expect(table.update(peer(newcomer), seenAt: .at(5)) == .pending(ping: peer(ids[0])))
        #expect(table.bucket(0).pending?.entry.peer.id == newcomer)
        #expect(!table.contains(newcomer))
        // A second newcomer while one waits is not kept.
        #expect(table.update(peer(local.inBucket(0, noise: random.key())), seenAt: .at(5)) == .full)

        // Pong: the old entry moves to the tail, the newcomer is dropped.
        #expect(table.update(peer(ids[0]), seenAt: .at(6)) == .updated)
        #expect(table.bucket(0).entries.map(\.peer.id) == [ids[1], ids[2], ids[0]])
        #expect(table.bucket(0).pending == nil)
        #expect(!table.contains(newcomer))
        #expect(table.count == 3)
    }

    @Test func fullBucketEvictsLeastRecentlySeenWhenThePingFails() {
        var table = RoutingTable(localID: local, bucketSize: 3, now: .zero)
        var random = TestRandom(seed: 3)
        let ids = fullBucket(&table, random: &random)
        let newcomer = local.inBucket(0, noise: random.key())
        #expect(table.update(peer(newcomer), seenAt: .at(5)) == .pending(ping: peer(ids[0])))

        let evicted = table.remove(ids[0])
        #expect(evicted?.peer.id == ids[0])
        #expect(table.bucket(0).entries.map(\.peer.id) == [ids[1], ids[2], newcomer])
        #expect(table.entry(for: newcomer)?.lastSeen == .at(5))
        #expect(table.bucket(0).pending == nil)
        #expect(table.count == 3)
    }

    @Test func fullBucketOfRecentlySeenPeersDropsNewcomerWithoutPing() {
        var table = RoutingTable(localID: local, bucketSize: 3, livenessInterval: .seconds(30), now: .zero)
        var random = TestRandom(seed: 4)
        let ids = fullBucket(&table, random: &random)
        let newcomer = local.inBucket(0, noise: random.key())
        #expect(table.update(peer(newcomer), seenAt: .at(29)) == .full)
        #expect(table.bucket(0).pending == nil)
        // Once the oldest entry has been silent for the liveness interval, it is pinged.
        #expect(table.update(peer(newcomer), seenAt: .at(30)) == .pending(ping: peer(ids[0])))
    }

    /// Buckets 0 and 1 full, one entry in bucket 3: the neighbourhood starts at bucket 1, the nearest full one.
    /// Its entries are pinged after 30 s of silence, bucket 0's only after the 15 minutes of BEP 5.
    @Test func farFullBucketsWaitTheQuestionableIntervalTheNeighbourhoodTheLivenessOne() {
        var table = RoutingTable(localID: local, bucketSize: 2, livenessInterval: .seconds(30),
                                 questionableInterval: .seconds(900), now: .zero)
        var random = TestRandom(seed: 8)
        let far = (0..<2).map { _ in local.inBucket(0, noise: random.key()) }
        let near = (0..<2).map { _ in local.inBucket(1, noise: random.key()) } + [local.flipping(bit: 3)]
        for id in far + near { #expect(table.update(peer(id), seenAt: .zero) == .inserted) }
        #expect(table.neighbourhood == 1)
        #expect(table.silentEntries(now: .at(29)).isEmpty)
        #expect(Set(table.silentEntries(now: .at(30)).map(\.peer.id)) == Set(near))
        #expect(Set(table.silentEntries(now: .at(900)).map(\.peer.id)) == Set(far + near))
        // A newcomer to the far full bucket pings its oldest entry only once that one is questionable.
        let newcomer = local.inBucket(0, noise: random.key())
        #expect(table.update(peer(newcomer), seenAt: .at(60)) == .full)
        #expect(table.update(peer(newcomer), seenAt: .at(900)) == .pending(ping: peer(far[0])))
        let nearNewcomer = local.inBucket(1, noise: random.key())
        #expect(table.update(peer(nearNewcomer), seenAt: .at(30)) == .pending(ping: peer(near[0])))
    }

    @Test func failuresRemoveAPeerOnlyAtTheLimitAndAnAnswerResetsTheCount() {
        var table = RoutingTable(localID: local, now: .zero)
        let id = local.flipping(bit: 3)
        table.update(peer(id), seenAt: .zero)
        var removed = table.recordFailure(of: id, limit: 2)
        #expect(removed == false)
        #expect(table.entry(for: id)?.consecutiveFailures == 1)
        table.update(peer(id), seenAt: .at(1))
        #expect(table.entry(for: id)?.consecutiveFailures == 0)
        removed = table.recordFailure(of: id, limit: 2)
        #expect(removed == false)
        removed = table.recordFailure(of: id, limit: 2)
        #expect(removed == true)
        #expect(!table.contains(id))
        #expect(table.count == 0)
        removed = table.recordFailure(of: id, limit: 1)
        #expect(removed == false, "an unknown peer is ignored")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func closestMatchesBruteForce(seed: UInt64) {
        var random = TestRandom(seed: seed)
        let local = random.key()
        var table = RoutingTable(localID: local, bucketSize: 8, now: .zero)
        // Random peers fill the far buckets; peers built near the local ID reach the near ones.
        for _ in 0..<600 { table.update(peer(random.key()), seenAt: .zero) }
        for bucket in 0..<40 {
            for _ in 0..<3 { table.update(peer(local.inBucket(bucket, noise: random.key())), seenAt: .zero) }
        }
        let known = table.entries.map(\.peer.id)
        #expect(known.count == table.count)
        #expect(Set(known).count == known.count)

        var targets = (0..<150).map { _ in random.key() }
        targets += [local, known[0], known[known.count / 2]]
        targets += (0..<20).map { _ in local.inBucket(random.below(45), noise: random.key()) }
        for target in targets {
            for count in [1, 3, 8, 20, 57, known.count, known.count + 5] {
                let got = table.closest(to: target, count: count).map(\.id)
                #expect(got == bruteForceClosest(known, to: target, count: count))
            }
            let excluded = known[random.below(known.count)]
            let got = table.closest(to: target, count: 20, excluding: excluded).map(\.id)
            #expect(got == bruteForceClosest(known.filter { $0 != excluded }, to: target, count: 20))
        }
    }

    /// Random inserts, updates and removals across buckets, checked against a plain model of the buckets.
    @Test(arguments: [UInt64(31), 32])
    func matchesAModelUnderRandomOperations(seed: UInt64) {
        var random = TestRandom(seed: seed)
        let local = random.key()
        var table = RoutingTable(localID: local, bucketSize: 4, now: .zero)
        var model: [Int: [PeerID]] = [:]
        var known: [PeerID] = []
        for step in 0..<3_000 {
            let now = Instant.at(Int64(step))
            switch random.below(4) {
            case 0, 1:
                let id = local.inBucket(random.below(12), noise: random.key())
                let bucket = table.bucketIndex(for: id)!
                let result = table.update(peer(id), seenAt: now)
                if model[bucket, default: []].count < 4 {
                    #expect(result == .inserted)
                    model[bucket, default: []].append(id)
                    known.append(id)
                } else {
                    #expect(result != .inserted)
                    // No pong ever comes: drop the newcomer as the answered ping would.
                    if case .pending(let oldest) = result { table.update(oldest, seenAt: now) }
                    if case .pending(let oldest) = result {
                        model[bucket]!.removeAll { $0 == oldest.id }
                        model[bucket]!.append(oldest.id)
                    }
                }
            case 2 where !known.isEmpty:
                let id = known[random.below(known.count)]
                let bucket = table.bucketIndex(for: id)!
                #expect(table.update(peer(id), seenAt: now) == .updated)
                model[bucket]!.removeAll { $0 == id }
                model[bucket]!.append(id)
            case 3 where !known.isEmpty:
                let id = known.remove(at: random.below(known.count))
                let bucket = table.bucketIndex(for: id)!
                #expect(table.remove(id)?.peer.id == id)
                model[bucket]!.removeAll { $0 == id }
            default:
                break
            }
        }
        for bucket in 0..<table.bucketCount {
            #expect(table.entries(inBucket: bucket).map(\.peer.id) == model[bucket, default: []])
        }
        #expect(table.count == model.values.reduce(0) { $0 + $1.count })
        let nearestFirst = (0..<table.bucketCount).reversed().flatMap { model[$0, default: []] }
        #expect(table.entries.map(\.peer.id) == nearestFirst)
    }

    @Test func refreshTimesStartAtCreationAndFollowLookups() {
        var table = RoutingTable(localID: local, now: .at(100))
        #expect(table.lastRefreshed(bucket: 5) == .at(100))
        table.update(peer(local.flipping(bit: 5)), seenAt: .at(100))
        table.markRefreshed(bucket: 5, now: .at(150))
        #expect(table.lastRefreshed(bucket: 5) == .at(150))
        #expect(table.lastRefreshed(bucket: 4) == .at(100))
    }
}
