import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// Finding a file, its holders and what they hold, through the peer machine with no I/O.
@Suite struct LocateMachineTests {
    /// A machine that knows `keepers` peers, and a driver loop that answers through `respond`.
    struct Network {
        var machine: PeerMachine
        let keepers: [PeerInfo]
        var now: Instant = .seconds(1_000)
        var delivered: [(CommandID, PeerCommandResult)] = []
        var logs: [PeerLogEntry] = []
        var asked: [(PeerID, StorageRequest)] = []
        /// Timers the machine armed and that have not fired yet (`advance(by:)` fires them).
        var timers: [(timer: PeerTimer, at: Instant)] = []
        var respond: (PeerID, StorageRequest) -> Response?

        /// `count` keepers, with `identities` when given, and this peer as `me` (a responder that signs as them
        /// needs them).
        init(keepers count: Int, identities: [Identity]? = nil, me: Identity = .generate(),
             respond: @escaping (PeerID, StorageRequest) -> Response?) {
            let identities = identities ?? (0..<count).map { _ in Identity.generate() }
            keepers = (0..<count).map {
                PeerInfo(id: identities[$0].peerID, address: PeerAddress(host: "10.0.3.\($0)", port: 1))
            }
            machine = PeerMachine(identity: me, config: PeerMachineConfig(), contacts: keepers)
            self.respond = respond
            machine.handle(.started(PeerAddress(host: "10.0.1.1", port: 1)), now: now)
            run()
        }

        mutating func command(_ id: UInt64, _ command: PeerCommand) -> PeerCommandResult? {
            machine.handle(.command(CommandID(rawValue: id), command), now: now)
            run()
            return delivered.last { $0.0 == CommandID(rawValue: id) }?.1
        }

        mutating func run() {
            var pending = machine.takeActions()
            while !pending.isEmpty {
                var events: [PeerEvent] = []
                for action in pending {
                    switch action {
                    case .send(let id, let peer, .dht):
                        events.append(.answered(id, .dht(.nodes([]))))
                        _ = peer
                    case .send(let id, let peer, .storage(let request)):
                        asked.append((peer.id, request))
                        if let answer = respond(peer.id, request) { events.append(.answered(id, answer)) }
                    case .deliver(let id, let result): delivered.append((id, result))
                    case .log(let entry): logs.append(entry)
                    case .armTimer(let timer, let at): timers.append((timer, at))
                    case .cancelTimer(let timer): timers.removeAll { $0.timer == timer }
                    default: break
                    }
                }
                for event in events { machine.handle(event, now: now) }
                pending = machine.takeActions()
            }
        }

        /// Moves the clock on by `duration`, firing the timers due on the way in order.
        mutating func advance(by duration: Duration) {
            let end = now + duration
            while let next = timers.enumerated().filter({ $0.element.at <= end }).min(by: { $0.element.at < $1.element.at })
            {
                timers.remove(at: next.offset)
                now = max(now, next.element.at)
                machine.handle(.timerFired(next.element.timer), now: now)
                run()
            }
            now = end
        }
    }

    /// Locates `file` by its ID through `network` and checks the descriptor and holders found; false after an
    /// issue.
    static func located(_ file: GetMachineTests.Fixture, through network: inout Network) -> Bool {
        let order = LocateOrder(fileID: file.layout.fileID, descriptor: nil, grantKey: nil)
        guard case .fileLocated(let location)? = network.command(1, .locateFile(order)) else {
            Issue.record("not located: \(network.delivered)")
            return false
        }
        #expect(location.descriptor.fileID == file.layout.fileID)
        #expect(location.placement.holders == file.layout.placement.holders)
        return true
    }

    @Test func aDescriptorThatDoesNotCheckOutIsSkippedAndThePlacementMerged() throws {
        let file = try GetMachineTests.Fixture()
        let descriptor = file.layout.descriptor.encoded()
        let records = PlacementRecord.encodeList(file.layout.placement.records)
        // The first keeper asked serves bytes that are not the descriptor; the next one is asked.
        var lied = false
        var network = Network(keepers: 6) { _, request in
            switch request {
            case .locate(_, descriptor: true):
                defer { lied = true }
                return .storage(.located(descriptor: ByteBuffer(bytes: lied ? descriptor : [1, 2, 3]),
                                         placement: ByteBuffer(bytes: records)))
            case .getBlob(.placement, _): return .storage(.blob(ByteBuffer(bytes: records)))
            default: return .error(RemoteError(code: .notFound, message: "no"))
            }
        }
        guard Self.located(file, through: &network) else { return }
        #expect(network.logs.contains { $0.message.contains("does not check out") })
        let located = network.asked.filter { if case .locate(_, true) = $0.1 { true } else { false } }
        let placements = network.asked.filter { if case .getBlob(.placement, _) = $0.1 { true } else { false } }
        // n−k+1 = 5 keepers and 2 more: the six keepers and this peer; the first three asked for the descriptor in
        // the same request, and one more for it alone in the liar's place.
        #expect(located.count == 3 && located.count + placements.count == 7)
        #expect(network.asked.filter { if case .getBlob(.descriptor, _) = $0.1 { true } else { false } }.count == 1)
    }

    /// Keepers that refuse `locate` (an error answer): the descriptor is asked of the next keeper alone, and the
    /// placement comes from the others.
    @Test func keepersThatRefuseLocateCostOnlyTheirOwnAnswers() throws {
        let file = try GetMachineTests.Fixture()
        let descriptor = file.layout.descriptor.encoded()
        let records = PlacementRecord.encodeList(file.layout.placement.records)
        var network = Network(keepers: 6) { _, request in
            switch request {
            case .getBlob(.descriptor, _): return .storage(.blob(ByteBuffer(bytes: descriptor)))
            case .getBlob(.placement, _): return .storage(.blob(ByteBuffer(bytes: records)))
            default: return .error(RemoteError(code: .badRequest, message: "unknown tag 10 in storage request"))
            }
        }
        guard Self.located(file, through: &network) else { return }
        #expect(network.asked.contains { if case .getBlob(.descriptor, _) = $0.1 { true } else { false } })
    }

    @Test func aDescriptorOnlyLocateAsksTheHoldersFirstAndLooksUpOnlyWhenTheyAllFail() throws {
        let file = try GetMachineTests.Fixture()
        let descriptor = file.layout.descriptor.encoded()
        let holders = (0..<3).map {
            PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.4.\($0)", port: 1))
        }
        let holderIDs = Set(holders.map(\.id))
        let order = LocateOrder(
            fileID: file.layout.fileID, descriptor: nil, grantKey: nil, holders: holders, descriptorOnly: true)
        // The holders have it: nobody else is asked, and no placement record is.
        var network = Network(keepers: 6) { _, request in
            guard case .getBlob(.descriptor, _) = request else { return nil }
            return .storage(.blob(ByteBuffer(bytes: descriptor)))
        }
        guard case .fileLocated(let location)? = network.command(1, .locateFile(order)) else {
            Issue.record("not located from the holders: \(network.delivered)")
            return
        }
        #expect(location.descriptor.fileID == file.layout.fileID)
        #expect(!network.asked.isEmpty && network.asked.allSatisfy { holderIDs.contains($0.0) })
        #expect(!network.asked.contains { if case .getBlob(.placement, _) = $0.1 { true } else { false } })

        // None of the holders has it: the keepers the lookup finds are asked next.
        var fallback = Network(keepers: 6) { peer, request in
            guard case .getBlob(.descriptor, _) = request else { return nil }
            return holderIDs.contains(peer)
                ? .error(RemoteError(code: .notFound, message: "no")) : .storage(.blob(ByteBuffer(bytes: descriptor)))
        }
        guard case .fileLocated? = fallback.command(1, .locateFile(order)) else {
            Issue.record("not located from the keepers: \(fallback.delivered)")
            return
        }
        #expect(fallback.asked.filter { holderIDs.contains($0.0) }.count == 3)
        #expect(fallback.asked.contains { !holderIDs.contains($0.0) })
    }

    @Test func theDescriptorPlacementAndGrantAreAskedForAtOnce() {
        // Nobody answers: whatever was asked was asked without waiting for another answer.
        var network = Network(keepers: 12) { _, _ in nil }
        let order = LocateOrder(fileID: Random.key256(), descriptor: nil, grantKey: Random.key256())
        _ = network.command(1, .locateFile(order))
        let kinds = network.asked.compactMap { if case .getBlob(let kind, _) = $0.1 { kind } else { nil } }
        let located = network.asked.filter { if case .locate(_, true) = $0.1 { true } else { false } }.count
        // A few keepers for the descriptor at once, so that one that has left costs no timeout, each in the same
        // request as its placement records.
        #expect(located == 3 && !kinds.contains(.descriptor))
        #expect(kinds.filter { $0 == .grant }.count == 1)
        // n−k+3 keepers for the default 4-of-8 code, before the descriptor says which code the file uses.
        #expect(located + kinds.filter { $0 == .placement }.count == 7)
    }

    @Test func aKeeperLookupAsksTenPeersAtOnce() {
        var network = Network(keepers: 12) { _, _ in nil }
        network.machine.handle(
            .command(CommandID(rawValue: 1), .locateFile(LocateOrder(fileID: Random.key256(), descriptor: nil,
                                                                      grantKey: nil))), now: network.now)
        let findNodes = network.machine.takeActions().filter { if case .send(_, _, .dht) = $0 { true } else { false } }
        #expect(findNodes.count == PeerMachineConfig().keeperLookupAlpha)
        #expect(findNodes.count == 10)
    }

    @Test func noKeeperWithTheDescriptorMeansNotFound() {
        var network = Network(keepers: 4) { _, _ in .storage(.blob(nil)) }
        let fileID = Random.key256()
        guard
            case .fileFailed(let failure)? = network.command(
                1, .locateFile(LocateOrder(fileID: fileID, descriptor: nil, grantKey: nil)))
        else {
            Issue.record("no failure")
            return
        }
        #expect(failure == .descriptorNotFound(fileID))
        #expect("\(failure)".contains("was not found"))
    }

    @Test func aReaderByIDWithoutAGrantHasNoAccess() throws {
        let file = try GetMachineTests.Fixture()
        var network = Network(keepers: 4) { _, _ in .storage(.blob(nil)) }
        let order = LocateOrder(
            fileID: file.layout.fileID, descriptor: file.layout.descriptor, grantKey: Random.key256())
        guard case .fileFailed(.noAccess)? = network.command(1, .locateFile(order)) else {
            Issue.record("expected no access: \(network.delivered)")
            return
        }
        #expect(network.asked.contains { if case .getBlob(.grant, _) = $0.1 { true } else { false } })
        #expect(
            !network.asked.contains { if case .getBlob(.descriptor, _) = $0.1 { true } else { false } },
            "the descriptor from the local index is not asked for")
    }

    @Test func holdersAreResolvedFromTheirRecordsAndProbedWithASilentOneUnreachable() throws {
        var file = try GetMachineTests.Fixture()
        let silent = file.layout.segments[0].holders[2]
        file.handle(.command(CommandID(rawValue: 1), .resolveHolders(file.layout)))
        guard case .holdersResolved(let addresses)? = file.result(CommandID(rawValue: 1)) else {
            Issue.record("not resolved")
            return
        }
        #expect(Set(file.layout.segments[0].holders).isSubset(of: addresses.keys))
        var machine = file.machine
        machine.handle(
            .command(CommandID(rawValue: 2), .probeHolders(file.layout, addresses: addresses)), now: file.now)
        var probes = machine.takeActions().compactMap { action -> (OutboundID, PeerID, [ShardID])? in
            if case .send(let id, let peer, .storage(.holds(let ids))) = action { (id, peer.id, ids) } else { nil }
        }
        #expect(probes.count == 8)
        var result: PeerCommandResult?
        for (id, peer, ids) in probes {
            let event: PeerEvent =
                peer == silent
                ? .timerFired(.requestTimeout(id))
                : .answered(id, .storage(.holding(ids.map { _ in true })))
            machine.handle(event, now: file.now + .seconds(5))
            for case .deliver(_, let delivered) in machine.takeActions() { result = delivered }
        }
        probes.removeAll()
        guard case .holdersProbed(let probe)? = result else {
            Issue.record("not probed")
            return
        }
        #expect(probe.unreachable == [silent])
        #expect(probe.held.count == 7)
        #expect(probe.firstShortSegment(of: file.layout) == nil, "seven holders of eight: k = 4 are there")
    }
}
