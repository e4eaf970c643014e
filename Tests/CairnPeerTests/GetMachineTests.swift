import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// A get through the whole peer machine, event by event: the machine asks the holders, replaces failures and
/// corrupt shards, hedges slow holders on its own timer and hands k shards to the driver.
@Suite struct GetMachineTests {
    struct Fixture {
        var machine: PeerMachine
        var layout: PlacedFile
        var holders: [PeerID: PeerInfo]
        var now: Instant = .seconds(1_000)
        /// Shard requests in flight: request → (holder, shard ID).
        var fetches: [(OutboundID, PeerID, ShardID)] = []
        /// `holds` probes sent: request → (holder, shard IDs asked about).
        var probes: [(OutboundID, PeerID, [ShardID])] = []
        var delivered: [(CommandID, PeerCommandResult)] = []
        var timers: [(PeerTimer, Instant)] = []

        init(segments: Int = 1) throws {
            let identities = (0..<8).map { _ in Identity.generate() }
            let parameters = CodingParameters(segmentSize: 4096, k: 4, n: 8)
            let ids = (0..<segments).map { _ in identities.map { _ in Random.key256() } }
            let descriptor = try Descriptor(
                fileSize: UInt64(4096 * segments), parameters: parameters, fileNonce: Random.key256(), shardIDs: ids,
                created: .zero, metadata: FileMetadata(name: "f"), fileKey: FileKey.random(), owner: .generate())
            let fileID = descriptor.fileID
            let positions = (0..<segments).map { UInt32($0) }
            let records = identities.enumerated().map { slot, holder in
                PlacementRecord(
                    fileID: fileID, holder: holder, addresses: [PeerAddress(host: "10.0.2.\(slot)", port: 1)],
                    entries: PlacementRecord.entries(for: positions.map { ($0, UInt8(slot)) }),
                    issued: .zero, expires: .seconds(1_000_000))
            }
            let placement = FilePlacement(descriptor: descriptor, fileID: fileID, records: records, now: .seconds(1))
            layout = PlacedFile(fileID: fileID, descriptor: descriptor, placement: placement)
            holders = Dictionary(
                uniqueKeysWithValues: identities.enumerated().map { slot, identity in
                    (
                        identity.peerID,
                        PeerInfo(id: identity.peerID, address: PeerAddress(host: "10.0.2.\(slot)", port: 1))
                    )
                })
            machine = PeerMachine(identity: .generate(), config: PeerMachineConfig())
            machine.handle(.started(PeerAddress(host: "10.0.1.1", port: 1)), now: now)
            _ = machine.takeActions()
        }

        func slot(of holder: PeerID, segment: Int = 0) -> Int {
            layout.segments[segment].holders.firstIndex(of: holder)!
        }

        mutating func handle(_ event: PeerEvent) {
            machine.handle(event, now: now)
            for action in machine.takeActions() {
                switch action {
                case .send(let id, let peer, .storage(.getShard(let shard))): fetches.append((id, peer.id, shard))
                case .send(let id, let peer, .storage(.holds(let ids))): probes.append((id, peer.id, ids))
                case .deliver(let command, let result): delivered.append((command, result))
                case .armTimer(let timer, let instant): timers.append((timer, instant))
                default: break
                }
            }
        }

        /// Answers request `id` with shard bytes.
        mutating func answer(_ id: OutboundID) {
            handle(.answered(id, .storage(.shard(ByteBuffer(bytes: [1, 2, 3])))))
        }

        func result(_ command: CommandID) -> PeerCommandResult? { delivered.last { $0.0 == command }?.1 }

        func slots(_ command: CommandID) -> [Int]? {
            if case .segmentShards(let shards)? = result(command) { shards.slots } else { nil }
        }
    }

    let get = CommandID(rawValue: 1)

    @Test func dataShardsComeFirstAndAFailedHolderIsReplaced() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, holders: f.holders, segments: [0]))))
        #expect(f.fetches.map { f.slot(of: $0.1) } == [0, 1, 2, 3])
        #expect(f.timers.contains { if case .requestTimeout = $0.0 { $0.1 == f.now + .seconds(20) } else { false } })
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        #expect(f.result(ask) == nil, "three shards are not enough")
        let failed = f.fetches[1].0
        f.handle(.answered(failed, .error(RemoteError(code: .notFound, message: "no such shard"))))
        #expect(f.slot(of: f.fetches.last!.1) == 4, "the first parity shard replaces it")
        for (id, holder, _) in f.fetches where id != failed {
            _ = holder
            f.answer(id)
        }
        #expect(f.slots(ask) == [0, 2, 3, 4])
    }

    @Test func aSlowHolderIsHedgedOnTheMachinesTimer() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, holders: f.holders, segments: [0]))))
        for (id, _, _) in f.fetches.dropFirst() { f.answer(id) }
        let hedge = try #require(f.timers.first { if case .owner = $0.0 { true } else { false } })
        #expect(hedge.1 == f.now + SegmentFetchPlan.hedgeDelay)
        f.now = hedge.1
        f.handle(.timerFired(hedge.0))
        #expect(f.fetches.count == 5)
        f.answer(f.fetches[4].0)
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        #expect(f.slots(ask) == [1, 2, 3, 4])
    }

    @Test func aCorruptShardIsReplacedAndTheSegmentHandedOverAgain() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, holders: f.holders, segments: [0]))))
        for (id, _, _) in f.fetches { f.answer(id) }
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        #expect(f.slots(ask) == [0, 1, 2, 3])
        let again = CommandID(rawValue: 3)
        f.handle(.command(again, .shardCorrupt(get: get, segment: 0, slot: 1)))
        #expect(f.fetches.count == 5)
        f.answer(f.fetches[4].0)
        #expect(f.slots(again) == [0, 2, 3, 4])
    }

    @Test func aSegmentNobodyServesFailsWithTheReason() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, holders: f.holders, segments: [0]))))
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        var answered = 0
        while answered < f.fetches.count {
            f.handle(.failed(f.fetches[answered].0, reason: "connection refused"))
            answered += 1
        }
        guard case .fileFailed(.unavailable(0, let reason))? = f.result(ask) else {
            Issue.record("no failure: \(String(describing: f.result(ask)))")
            return
        }
        #expect(reason.contains("connection refused"))
        let end = CommandID(rawValue: 3)
        f.handle(.command(end, .endGet(get: get)))
        guard case .getEnded? = f.result(end) else {
            Issue.record("not ended")
            return
        }
    }

    @Test func endingAGetAnswersTheSegmentStillAskedFor() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, holders: f.holders, segments: [0]))))
        // Nothing has come yet when the driver ends the get (its client went away).
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        #expect(f.result(ask) == nil)
        let end = CommandID(rawValue: 3)
        f.handle(.command(end, .endGet(get: get)))
        guard case .failed? = f.result(ask) else {
            Issue.record("the segment asked for was never answered: \(String(describing: f.result(ask)))")
            return
        }
        guard case .getEnded? = f.result(end) else {
            Issue.record("not ended")
            return
        }
    }

    // MARK: Checked gets (GetOrder.check): the machine decides when a file is worth answering for

    /// Every holder answers the probe: holders listed in `lacking` say they do not have segment `segment`'s shard.
    func answerProbes(_ f: inout Fixture, lacking: Set<PeerID> = [], segment: Int = 1) {
        for (id, holder, ids) in f.probes {
            let missing = lacking.contains(holder) ? f.layout.segments[segment].shardIDs[f.slot(of: holder, segment: segment)] : nil
            f.handle(.answered(id, .storage(.holding(ids.map { $0 != missing }))))
        }
    }

    @Test func aCheckedGetResolvesHoldersItselfAndAnswersAfterTheProbe() throws {
        var f = try Fixture(segments: 2)
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, segments: [0], check: true))))
        #expect(f.fetches.count == 4, "the first segment is fetched while the holders are probed")
        #expect(Set(f.probes.map(\.1)) == Set(f.holders.keys), "addresses come from the placement records")
        #expect(f.result(get) == nil, "no answer before the probe")
        answerProbes(&f)
        guard case .getStarted(let start)? = f.result(get) else {
            Issue.record("not started: \(String(describing: f.result(get)))")
            return
        }
        #expect(Set(f.holders.keys).isSubset(of: start.holders.keys) && start.suspects.isEmpty)
    }

    @Test func aCheckedGetRefusesAFileWhoseLaterSegmentIsShort() throws {
        var f = try Fixture(segments: 2)
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, segments: [0], check: true))))
        let lacking = Set(f.layout.segments[1].holders.prefix(5))
        answerProbes(&f, lacking: lacking)
        guard case .fileFailed(.unavailable(1, let reason))? = f.result(get) else {
            Issue.record("not refused: \(String(describing: f.result(get)))")
            return
        }
        #expect(reason.contains("only 3 of the 4 shards needed"))
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        guard case .fileFailed(.invalidRequest)? = f.result(ask) else {
            Issue.record("the refused get lives on: \(String(describing: f.result(ask)))")
            return
        }
    }

    @Test func aFailedOneSegmentFileIsExplainedByAProbeRunThen() throws {
        var f = try Fixture()
        f.handle(.command(get, .startGet(GetOrder(layout: f.layout, segments: [0], check: true))))
        guard case .getStarted? = f.result(get) else {
            Issue.record("a file of one segment is not probed before it starts")
            return
        }
        #expect(f.probes.isEmpty)
        let ask = CommandID(rawValue: 2)
        f.handle(.command(ask, .getSegment(get: get, segment: 0)))
        var answered = 0
        while answered < f.fetches.count {
            f.handle(.failed(f.fetches[answered].0, reason: "connection refused"))
            answered += 1
        }
        #expect(f.result(ask) == nil, "the failure waits for the probe that explains it")
        #expect(f.probes.count == 8)
        for (id, _, _) in f.probes { f.handle(.failed(id, reason: "connection refused")) }
        guard case .fileFailed(.unavailable(0, let reason))? = f.result(ask) else {
            Issue.record("no failure: \(String(describing: f.result(ask)))")
            return
        }
        #expect(reason.contains("only 0 of the 4 shards needed") && reason.contains("unreachable"))
    }
}
