import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// A put through the whole peer machine, event by event, with providers played by a closure.
struct PutHarness {
    var machine: PeerMachine
    let me: Identity
    let providers: [Identity]
    var now: Instant = .seconds(1_000)
    /// Every request the machine sent, in order, with its target.
    var sent: [(to: PeerID, request: Request)] = []
    var delivered: [(CommandID, PeerCommandResult)] = []
    var logs: [PeerLogEntry] = []
    var armed: [(PeerTimer, Instant)] = []
    /// Requests the responder left unanswered.
    var waiting: [(OutboundID, PeerID, Request)] = []
    /// Answers a request, or nil to leave it waiting.
    var respond: (PeerID, Request, Instant) -> Response?
    private var nextCommand: UInt64 = 100

    static func address(_ index: Int) -> PeerAddress { PeerAddress(host: "10.0.1.\(index)", port: 4100) }

    init(providers count: Int, respond: @escaping (PeerID, Request, Instant) -> Response? = PutHarness.willing) {
        me = .generate()
        providers = (0..<count).map { _ in .generate() }
        let contacts = providers.enumerated().map { PeerInfo(id: $1.peerID, address: Self.address($0 + 2)) }
        machine = PeerMachine(identity: me, config: PeerMachineConfig(), contacts: contacts)
        self.respond = respond
        machine.handle(.started(Self.address(1)), now: now)
        run()
    }

    /// Providers with room that take everything; keepers that keep everything.
    static func willing(_ peer: PeerID, _ request: Request, _ now: Instant) -> Response? {
        switch request {
        case .dht: .dht(.nodes([]))
        case .storage(.capacity): .storage(.capacity(total: 1 << 30, used: 0, free: 1 << 30, now: now))
        case .storage(.putShard), .storage(.putBlob): .storage(.stored)
        case .storage(.delete(let order)): .storage(.deleted(shards: order.shardIDs.count))
        default: .error(RemoteError(code: .refused, message: "not in this test"))
        }
    }

    func identity(of peer: PeerID) -> Identity? {
        peer == me.peerID ? me : providers.first { $0.peerID == peer }
    }

    /// A holder's signed answer to a confirmation.
    func confirmation(_ order: ConfirmOrder, by peer: PeerID) -> Response {
        guard let holder = identity(of: peer) else { return .error(RemoteError(code: .refused, message: "who?")) }
        let record = PlacementRecord(
            fileID: order.fileID, holder: holder, addresses: [Self.address(9)],
            entries: order.entries, issued: now, expires: now + .seconds(86_400))
        return .storage(.confirmed(shards: order.shardIDs.count, placement: record))
    }

    mutating func command(_ command: (CommandID) -> PeerCommand) -> CommandID {
        let id = CommandID(rawValue: nextCommand)
        nextCommand += 1
        machine.handle(.command(id, command(id)), now: now)
        run()
        return id
    }

    /// Answers every request the responder will, until the machine sends nothing more.
    mutating func run() {
        var pending = machine.takeActions()
        while !pending.isEmpty {
            var answers: [PeerEvent] = []
            for action in pending {
                switch action {
                case .send(let id, let peer, let request):
                    sent.append((peer.id, request))
                    var answer = respond(peer.id, request, now)
                    // Any answer to a confirmation but a `confirmed` one the responder made itself becomes the
                    // holder's signed confirmation.
                    if case .storage(.confirm(let order)) = request, let given = answer {
                        if case .storage(.confirmed) = given {} else { answer = confirmation(order, by: peer.id) }
                    }
                    if let answer {
                        answers.append(.answered(id, answer))
                    } else {
                        waiting.append((id, peer.id, request))
                    }
                case .deliver(let id, let result): delivered.append((id, result))
                case .log(let entry): logs.append(entry)
                case .armTimer(let timer, let instant): armed.append((timer, instant))
                default: break
                }
            }
            for answer in answers { machine.handle(answer, now: now) }
            pending = machine.takeActions()
        }
    }

    func result(of command: CommandID) -> PeerCommandResult? {
        delivered.last { $0.0 == command }?.1
    }

    /// A segment of `n` shards with fresh IDs.
    static func segment(_ index: Int, n: Int) -> PutSegment {
        PutSegment(
            index: index, shardIDs: (0..<n).map { _ in Random.key256() },
            shards: (0..<n).map { _ in ByteBuffer(bytes: [UInt8](repeating: UInt8(index), count: 64)) })
    }
}

@Suite struct PutMachineTests {
    static let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 4)

    static func order() -> PutOrder {
        PutOrder(parameters: parameters, fileKey: .random(), fileNonce: Random.key256(), name: "notes.txt")
    }

    func shardTargets(_ harness: PutHarness) -> [(PeerID, ShardID)] {
        harness.sent.compactMap {
            if case .storage(.putShard(let id, _, _, _)) = $0.request { ($0.to, id) } else { nil }
        }
    }

    @Test func aPutIsPlacedConfirmedAndPublishedWithAFullProviderReplacedBySpares() throws {
        var full: PeerID?
        var harness = PutHarness(providers: 7) { peer, request, now in
            if case .storage(.putShard) = request, peer == full {
                return .error(RemoteError(code: .noCapacity, message: "no room"))
            }
            if case .storage(.confirm) = request { return .storage(.stored) }  // replaced by a signed answer
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        guard case .putStarted? = harness.result(of: put) else {
            Issue.record("not started: \(String(describing: harness.result(of: put)))")
            return
        }
        // Segment 0's first provider turns out full.
        full = harness.sent.compactMap { if case .storage(.capacity) = $0.request { $0.to } else { nil } }.first
        for index in 0..<3 {
            let command = harness.command { _ in .putSegment(put: put, PutHarness.segment(index, n: 4)) }
            guard case .putSegmentAccepted? = harness.result(of: command) else {
                Issue.record("segment \(index): \(String(describing: harness.result(of: command)))")
                return
            }
        }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 3 * 4096) }
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
        #expect(summary.segments == 3)
        #expect(summary.descriptor.shardIDs.count == 3)
        #expect(summary.fileID == SHA256.hash(summary.encodedDescriptor))
        // The full provider was asked once (segment 0), then skipped: no shard of the file sits on it.
        let held = Set(summary.descriptor.shardIDs.flatMap { $0 })
        let records = try PlacementRecord.decodeList(summary.placement)
        #expect(!records.contains { $0.holder == full })
        #expect(records.flatMap(\.entries).reduce(0) { $0 + $1.segments.count } == held.count)
        #expect(shardTargets(harness).filter { $0.0 == full }.count == 1)
        // Each segment's four shards on four distinct providers.
        for segment in 0..<3 {
            let holders = records.filter { $0.entries.contains { $0.segments.contains(UInt32(segment)) } }
            #expect(holders.count == 4, "segment \(segment)")
        }
        // The descriptor went to n−k+1 = 3 keepers at least, with the provider record.
        let descriptors = harness.sent.filter {
            if case .storage(.putBlob(.descriptor, _, let record, _)) = $0.request { record != nil } else { false }
        }
        #expect(descriptors.count >= 3)
        // This peer keeps both blobs too, keeper or not: it serves them for the file it provides.
        for kind in [BlobKind.descriptor, .placement] {
            #expect(harness.sent.contains {
                if case .storage(.putBlob(kind, _, _, _)) = $0.request { $0.to == harness.me.peerID } else { false }
            }, "\(kind) kept here")
        }
    }

    @Test func theDescriptorIsPublishedWhileTheLastShardsAreOnTheirWayAndConfirmedOnlyAfterBoth() throws {
        // Shard uploads are left unanswered until the descriptor is stored.
        var harness = PutHarness(providers: 7) { peer, request, now in
            if case .storage(.putShard) = request { return nil }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        let descriptors = harness.sent.filter {
            if case .storage(.putBlob(.descriptor, _, _, _)) = $0.request { true } else { false }
        }
        #expect(descriptors.count >= 3, "the descriptor went to its keepers before any shard was stored")
        #expect(!harness.sent.contains { if case .storage(.confirm) = $0.request { true } else { false } })
        #expect(harness.result(of: finish) == nil)
        // The shards land: confirmations, placement, and the answer follow.
        let shards = harness.waiting
        harness.waiting = []
        harness.respond = PutHarness.willing
        for (id, _, _) in shards { harness.machine.handle(.answered(id, .storage(.stored)), now: harness.now) }
        harness.run()
        #expect(harness.sent.contains { if case .storage(.confirm) = $0.request { true } else { false } })
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
        #expect(summary.descriptor.shardIDs.count == 1)
    }

    /// The other overlap: once every shard is stored, the confirmations go while the descriptor's keepers have
    /// not answered (a confirmation needs only the file ID); the placement records wait for the keepers.
    @Test func shardsAreConfirmedWhileTheDescriptorIsStoredAndThePlacementWaitsForIt() throws {
        var harness = PutHarness(providers: 7) { peer, request, now in
            if case .storage(.putBlob) = request { return nil }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        let confirms = harness.sent.filter { if case .storage(.confirm) = $0.request { true } else { false } }
        #expect(confirms.count == 4, "every holder asked to confirm before any keeper answered")
        let descriptors = harness.waiting.filter {
            if case .storage(.putBlob(.descriptor, _, _, _)) = $0.2 { true } else { false }
        }
        #expect(!descriptors.isEmpty)
        let placement = { (sent: (to: PeerID, request: Request)) -> Bool in
            if case .storage(.putBlob(.placement, _, _, _)) = sent.request { true } else { false }
        }
        #expect(!harness.sent.contains(where: placement))
        #expect(harness.result(of: finish) == nil)
        harness.waiting = []
        harness.respond = PutHarness.willing
        for (id, _, _) in descriptors { harness.machine.handle(.answered(id, .storage(.stored)), now: harness.now) }
        harness.run()
        #expect(harness.sent.contains(where: placement))
        guard case .putFinished? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
    }

    @Test func aFailedShardWhileTheDescriptorIsStoredRemovesTheDescriptorToo() throws {
        // Every provider refuses shards; the keepers take the descriptor but answer only once asked to.
        var harness = PutHarness(providers: 4) { peer, request, now in
            if case .storage(.putShard) = request { return nil }
            if case .storage(.putBlob) = request { return nil }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        let shards = harness.waiting.filter { if case .storage(.putShard) = $0.2 { true } else { false } }
        let blobs = harness.waiting.filter { if case .storage(.putBlob) = $0.2 { true } else { false } }
        #expect(!blobs.isEmpty)
        harness.waiting = []
        harness.respond = PutHarness.willing
        let refusal = Response.error(RemoteError(code: .refused, message: "no"))
        for (id, _, _) in shards { harness.machine.handle(.answered(id, refusal), now: harness.now) }
        harness.run()
        #expect(harness.result(of: finish) == nil, "the failure waits for the descriptor's answers")
        for (id, _, _) in blobs { harness.machine.handle(.answered(id, .storage(.stored)), now: harness.now) }
        harness.run()
        guard case .fileFailed? = harness.result(of: finish) else {
            Issue.record("not failed: \(String(describing: harness.result(of: finish)))")
            return
        }
        let deletes = harness.sent.filter { if case .storage(.delete) = $0.request { true } else { false } }
        let keepers = Set(blobs.map(\.1))
        #expect(keepers.isSubset(of: Set(deletes.map(\.to))), "every keeper is told to drop the descriptor")
    }

    @Test func tooFewProvidersFailsBeforeAnySegment() {
        var harness = PutHarness(providers: 2)
        let put = harness.command { _ in .startPut(Self.order()) }
        guard case .fileFailed(let failure)? = harness.result(of: put) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure == .tooFewProviders(found: 3, needed: 4))
        #expect("\(failure)".contains("only 3 provider(s)"))
    }

    @Test func aClockFarOffTheNetworksIsRefusedBeforeAnythingIsSent() {
        var harness = PutHarness(providers: 5) { peer, request, now in
            if case .storage(.capacity) = request {
                return .storage(.capacity(total: 1 << 30, used: 0, free: 1 << 30, now: now + .seconds(30 * 3600)))
            }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        guard case .fileFailed(.clockSkew)? = harness.result(of: put) else {
            Issue.record("expected a clock refusal: \(String(describing: harness.result(of: put)))")
            return
        }
        #expect(shardTargets(harness).isEmpty)
    }

    @Test func aSegmentThatCannotBePlacedFailsAfterDeletingWhatWasPlaced() {
        // Four providers with room, exactly n: no spare. One refuses every shard.
        var refusing: PeerID?
        var harness = PutHarness(providers: 3) { peer, request, now in
            if case .storage(.putShard) = request, peer == refusing {
                return .error(RemoteError(code: .internalError, message: "disk failed"))
            }
            return PutHarness.willing(peer, request, now)
        }
        refusing = harness.providers[0].peerID
        let put = harness.command { _ in .startPut(Self.order()) }
        // The segment is taken (the window has room); its failure answers the driver's next command, once
        // what was placed is deleted.
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        guard case .fileFailed(let failure)? = harness.result(of: finish) else {
            Issue.record("expected a failure: \(String(describing: harness.result(of: finish)))")
            return
        }
        #expect("\(failure)".contains("could not place segment 0"))
        #expect("\(failure)".contains("disk failed"))
        let deletes = harness.sent.compactMap {
            if case .storage(.delete(let order)) = $0.request { order } else { nil }
        }
        #expect(deletes.flatMap(\.shardIDs).count == 3, "the three shards stored are deleted")
        #expect(harness.logs.contains { $0.message.contains("removed the shards it had placed") })
        // The put is over: a late segment is refused.
        let late = harness.command { _ in .putSegment(put: put, PutHarness.segment(1, n: 4)) }
        guard case .fileFailed? = harness.result(of: late) else {
            Issue.record("a late segment was not refused")
            return
        }
    }

    @Test func theMachineHoldsTheFifthSegmentUntilOneOfFourIsPlaced() {
        var answering = false
        var harness = PutHarness(providers: 7) { peer, request, now in
            if case .storage(.putShard) = request, !answering { return nil }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        var results: [PeerCommandResult?] = []
        for index in 0..<4 {
            let command = harness.command { _ in .putSegment(put: put, PutHarness.segment(index, n: 4)) }
            results.append(harness.result(of: command))
        }
        // Three answered at once; the fourth fills the window and waits.
        #expect(results.prefix(3).allSatisfy { if case .putSegmentAccepted? = $0 { true } else { false } })
        #expect(results[3].map { _ in false } ?? true)
        answering = true
        let first = harness.waiting.prefix(4)
        harness.waiting.removeFirst(4)
        for (id, _, _) in first { harness.machine.handle(.answered(id, .storage(.stored)), now: harness.now) }
        harness.run()
        #expect(harness.delivered.contains { $0.0 == CommandID(rawValue: 104) })
    }

    @Test func aHolderThatDoesNotConfirmIsAskedAgainOnTheMachinesTimer() {
        var silent: PeerID?
        var harness = PutHarness(providers: 5) { peer, request, now in
            if case .storage(.confirm) = request { return peer == silent ? nil : .storage(.stored) }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order()) }
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        silent = shardTargets(harness).first?.0
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        #expect(harness.result(of: finish).map { _ in false } ?? true, "one holder has not confirmed")
        let (id, _, _) = harness.waiting.removeLast()
        harness.machine.handle(.failed(id, reason: "connection reset"), now: harness.now)
        harness.run()
        let retry = harness.armed.compactMap { if case .owner = $0.0 { $0 } else { nil } }.last
        #expect(retry?.1 == harness.now + .milliseconds(500))
        silent = nil
        harness.machine.handle(.timerFired(retry!.0), now: harness.now + .milliseconds(500))
        harness.run()
        guard case .putFinished? = harness.result(of: finish) else {
            Issue.record("not finished after the retry: \(String(describing: harness.result(of: finish)))")
            return
        }
    }
}

/// Keepers take the owner's placement records without checking their signatures, so the owner checks each
/// holder's: its own, for the confirmed positions, signed.
@Suite struct ConfirmedRecordTests {
    /// A put whose holder `liar` answers its confirmation with `forge(order, liar, victim)`, `victim` another
    /// holder; the finished put's result, and the placement records the keepers were sent.
    static func put(forging forge: @escaping (ConfirmOrder, Identity, Identity, Instant) -> PlacementRecord)
        -> (PeerCommandResult?, [PlacementRecord])
    {
        var liar: PeerID?
        var victim: PeerID?
        var harness = PutHarness(providers: 5)
        let providers = harness.providers
        harness.respond = { peer, request, now in
            if case .storage(.confirm(let order)) = request, peer == liar,
                let me = providers.first(where: { $0.peerID == peer }),
                let other = providers.first(where: { $0.peerID == victim })
            {
                return .storage(.confirmed(shards: order.shardIDs.count, placement: forge(order, me, other, now)))
            }
            if case .storage(.confirm) = request { return .storage(.stored) }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(PutMachineTests.order()) }
        _ = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        let holders = harness.sent.compactMap {
            if case .storage(.putShard) = $0.request { $0.to } else { nil }
        }.filter { id in providers.contains { $0.peerID == id } }
        liar = holders.first
        victim = holders.last
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        let records = harness.sent.flatMap { sent -> [PlacementRecord] in
            guard case .storage(.putBlob(.placement, _, _, let bytes)) = sent.request else { return [] }
            return (try? PlacementRecord.decodeList(Array(bytes.readableBytesView))) ?? []
        }
        return (harness.result(of: finish), records)
    }

    static func fails(_ result: PeerCommandResult?) -> Bool {
        if case .fileFailed(let failure)? = result { return "\(failure)".contains("not its own signed record") }
        return false
    }

    @Test func aHolderThatSignsAnotherHoldersPositionsFailsThePut() {
        let (result, records) = Self.put { order, liar, _, now in
            PlacementRecord(fileID: order.fileID, holder: liar, addresses: [PutHarness.address(9)],
                            entries: [.init(slot: 0, segments: 0..<1), .init(slot: 1, segments: 0..<1)],
                            issued: now, expires: now + .seconds(86_400))
        }
        #expect(Self.fails(result), "\(String(describing: result))")
        #expect(records.isEmpty, "no record reached a keeper")
    }

    @Test func aHolderThatForgesAnotherHoldersRecordFailsThePut() {
        let (result, records) = Self.put { order, liar, victim, now in
            var forged = PlacementRecord(fileID: order.fileID, holder: liar, addresses: [PutHarness.address(9)],
                                         entries: order.entries, issued: now, expires: now + .seconds(86_400))
            forged.holderKey = victim.publicKey
            return forged
        }
        #expect(Self.fails(result), "\(String(describing: result))")
        #expect(records.isEmpty, "no record reached a keeper")
    }

    /// A record issued far ahead of the owner's clock would win over every later record of its positions.
    @Test func aRecordIssuedFarAheadFailsThePut() {
        let (result, records) = Self.put { order, liar, _, now in
            PlacementRecord(fileID: order.fileID, holder: liar, addresses: [PutHarness.address(9)],
                            entries: order.entries, issued: now + .seconds(30 * 86_400),
                            expires: now + .seconds(60 * 86_400))
        }
        #expect(Self.fails(result), "\(String(describing: result))")
        #expect(records.isEmpty, "no record reached a keeper")
    }

    @Test func anHonestHoldersRecordIsPassedOn() {
        let (result, records) = Self.put { order, liar, _, now in
            PlacementRecord(fileID: order.fileID, holder: liar, addresses: [PutHarness.address(9)],
                            entries: order.entries, issued: now, expires: now + .seconds(86_400))
        }
        guard case .putFinished? = result else {
            Issue.record("not finished: \(String(describing: result))")
            return
        }
        #expect(!records.isEmpty && records.count % 4 == 0, "every keeper is sent the 4 holders' records")
    }
}

/// A peer that stops answers the file commands still waiting, so that no driver waits for ever.
@Suite struct FileCommandsOnStopTests {
    @Test func aPutAndAGetWaitingWhenThePeerStopsAreFailed() throws {
        var harness = PutHarness(providers: 5) { peer, request, now in
            if case .storage(.capacity) = request { return nil }  // the survey never ends
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(PutMachineTests.order()) }
        #expect(harness.result(of: put) == nil)
        var file = try GetMachineTests.Fixture()
        let get = CommandID(rawValue: 1)
        file.handle(.command(get, .startGet(GetOrder(layout: file.layout, holders: file.holders, segments: [0]))))
        file.handle(.command(CommandID(rawValue: 2), .getSegment(get: get, segment: 0)))
        file.handle(.stopping)
        guard case .failed? = file.result(CommandID(rawValue: 2)) else {
            Issue.record("the get was not failed")
            return
        }
        harness.machine.handle(.stopping, now: harness.now)
        harness.run()
        guard case .failed? = harness.result(of: put) else {
            Issue.record("the put was not failed")
            return
        }
    }
}
