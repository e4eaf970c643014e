import CairnDHT
import CairnPeer
import CairnWire
import Testing

/// The peer machine driven event by event, with no sockets and no clock.
@Suite struct PeerMachineTests {
    static let bootstrapAddress = PeerAddress(host: "10.0.0.1", port: 4100)
    static let ownAddress = PeerAddress(host: "10.0.0.2", port: 4100)

    func machine(bootstrap: [PeerAddress] = [bootstrapAddress], contacts: [PeerInfo] = []) -> PeerMachine {
        PeerMachine(identity: .generate(), config: PeerMachineConfig(bootstrap: bootstrap), contacts: contacts)
    }

    func sends(_ actions: [PeerAction]) -> [(OutboundID, PeerInfo, Request)] {
        actions.compactMap { if case .send(let id, let peer, let request) = $0 { (id, peer, request) } else { nil } }
    }

    @Test func startingDialsTheBootstrapPeersThenLooksUpItself() throws {
        var peer = machine()
        peer.handle(.started(Self.ownAddress), now: .seconds(100))
        let first = peer.takeActions()
        let dials = first.compactMap { if case .dial(let id, let address) = $0 { (id, address) } else { nil } }
        #expect(dials.map(\.1) == [Self.bootstrapAddress])
        // Every dial and request is timed by the machine itself.
        let dial = try #require(dials.first?.0)
        #expect(first.contains { if case .armTimer(.requestTimeout(dial), at: .seconds(110)) = $0 { true } else { false } })
        #expect(first.contains { if case .armTimer(.maintenance, _) = $0 { true } else { false } })

        let bootstrapID = Identity.generate().peerID
        peer.handle(.dialed(dial, bootstrapID), now: .seconds(101))
        let lookup = sends(peer.takeActions())
        #expect(lookup.count == 1)
        #expect(lookup.first?.1 == PeerInfo(id: bootstrapID, address: Self.bootstrapAddress))
        guard case .dht(.findNode(let target))? = lookup.first?.2 else { Issue.record("no FIND_NODE"); return }
        #expect(target == peer.peerID)

        // The bootstrap peer answers every lookup (the self-lookup, then the bucket refreshes) with no one
        // closer: the join is done, the peer record gets published.
        var outstanding = lookup
        var after: [PeerAction] = []
        var rounds = 0
        while !peer.hasJoined, !outstanding.isEmpty, rounds < 20 {
            for request in outstanding { peer.handle(.answered(request.0, .dht(.nodes([]))), now: .seconds(102)) }
            after = peer.takeActions()
            outstanding = sends(after)
            rounds += 1
        }
        let joined = peer.hasJoined
        #expect(joined)
        #expect(after.contains { if case .persistContacts(let peers) = $0 { peers.map(\.id) == [bootstrapID] } else { false } })
        // The peer record goes to the closest peers the join's own lookup found, without a second lookup.
        #expect(sends(after).contains {
            if case .dht(.putPeerRecord(let record)) = $0.2 { record.peerID == peer.peerID && $0.1.id == bootstrapID }
            else { false }
        })
        #expect(!sends(after).contains { if case .dht(.findNode(peer.peerID)) = $0.2 { true } else { false } })

        // The contacts were saved at the join: the save timer finds nothing new, until a contact changes.
        peer.handle(.timerFired(.persistContacts), now: .seconds(130))
        #expect(!peer.takeActions().contains { if case .persistContacts = $0 { true } else { false } })
        let newcomer = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.7", port: 1))
        peer.handle(.requestReceived(InboundID(rawValue: 1), .dht(.ping), from: newcomer, remote: newcomer.id),
                    now: .seconds(140))
        _ = peer.takeActions()
        peer.handle(.timerFired(.persistContacts), now: .seconds(160))
        #expect(peer.takeActions().contains {
            if case .persistContacts(let peers) = $0 { peers.contains(newcomer) } else { false }
        })
    }

    @Test func anUnansweredRequestTimesOutByTheMachinesTimerAndIsAbandoned() throws {
        let known = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.9", port: 1))
        var peer = machine(bootstrap: [], contacts: [known])
        peer.handle(.started(Self.ownAddress), now: .zero)
        let request = try #require(sends(peer.takeActions()).first)
        // A stale or foreign timer changes nothing.
        peer.handle(.timerFired(.requestTimeout(OutboundID(rawValue: 999))), now: .seconds(1))
        #expect(sends(peer.takeActions()).isEmpty)
        peer.handle(.timerFired(.requestTimeout(request.0)), now: .seconds(5))
        let actions = peer.takeActions()
        #expect(actions.contains { if case .abandon(request.0) = $0 { true } else { false } })
        // The silent peer is gone from the table, and the answer that arrives late is ignored.
        #expect(peer.dht?.routingTable.entries.isEmpty == true)
        peer.handle(.answered(request.0, .dht(.nodes([]))), now: .seconds(6))
        #expect(peer.dht?.routingTable.entries.isEmpty == true)
    }

    @Test func anEmptyTableRejoinsOnTheRejoinTimer() throws {
        var peer = machine()
        peer.handle(.started(Self.ownAddress), now: .zero)
        let dial = try #require(peer.takeActions().compactMap { if case .dial(let id, _) = $0 { id } else { nil } }.first)
        peer.handle(.failed(dial, reason: "connection refused"), now: .seconds(1))
        let failed = peer.takeActions()
        #expect(failed.contains { if case .log(let entry) = $0 { entry.level == .warning } else { false } })
        peer.handle(.timerFired(.rejoin), now: .seconds(10))
        let again = peer.takeActions()
        #expect(again.contains { if case .dial(_, Self.bootstrapAddress) = $0 { true } else { false } })
        #expect(again.contains { if case .armTimer(.rejoin, at: .seconds(20)) = $0 { true } else { false } })
    }

    @Test func commandsGetTheirResultAndFailWhenThePeerStops() throws {
        var peer = machine(bootstrap: [])
        peer.handle(.command(CommandID(rawValue: 1), .query(.closestPeers(Identity.generate().peerID))), now: .zero)
        #expect(peer.takeActions().contains { if case .deliver(_, .failed) = $0 { true } else { false } })

        peer.handle(.started(Self.ownAddress), now: .zero)
        _ = peer.takeActions()
        // Alone, a lookup finishes at once with the peer itself.
        peer.handle(.command(CommandID(rawValue: 2), .query(.closestPeers(Identity.generate().peerID))), now: .zero)
        let done = peer.takeActions()
        #expect(done.contains { if case .deliver(CommandID(rawValue: 2), .queryFinished) = $0 { true } else { false } })

        let known = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.9", port: 1))
        var busy = machine(bootstrap: [], contacts: [known])
        busy.handle(.started(Self.ownAddress), now: .zero)
        _ = busy.takeActions()
        busy.handle(.command(CommandID(rawValue: 3), .query(.findPeer(Identity.generate().peerID))), now: .zero)
        _ = busy.takeActions()
        busy.handle(.stopping, now: .seconds(1))
        let stopped = busy.takeActions()
        #expect(stopped.contains { if case .deliver(CommandID(rawValue: 3), .failed) = $0 { true } else { false } })
        #expect(stopped.contains { if case .persistContacts = $0 { true } else { false } })
        busy.handle(.requestReceived(InboundID(rawValue: 1), .dht(.ping), from: nil, remote: known.id), now: .seconds(2))
        #expect(busy.takeActions().contains { if case .respond(_, .error) = $0 { true } else { false } })
    }

    @Test func requestsFromOtherPeersAreAnsweredByTheNode() {
        var peer = machine(bootstrap: [])
        peer.handle(.started(Self.ownAddress), now: .zero)
        _ = peer.takeActions()
        let other = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.7", port: 7))
        peer.handle(.requestReceived(InboundID(rawValue: 5), .dht(.ping), from: other, remote: other.id), now: .seconds(1))
        #expect(peer.takeActions().contains { if case .respond(InboundID(rawValue: 5), .dht(.pong)) = $0 { true } else { false } })
        #expect(peer.dht?.routingTable.entries.map(\.peer) == [other])
    }

    @Test func aCopiedMachineIsAnIndependentValue() {
        var peer = machine(bootstrap: [])
        peer.handle(.started(Self.ownAddress), now: .zero)
        _ = peer.takeActions()
        let before = peer
        let other = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.7", port: 7))
        peer.handle(.requestReceived(InboundID(rawValue: 5), .dht(.ping), from: other, remote: other.id), now: .seconds(1))
        #expect(peer.dht?.routingTable.count == 1)
        #expect(before.dht?.routingTable.count == 0, "the copy taken before the event did not see it")
    }

    @Test func actionsCanBeCollectedInTheDriversOwnBuffer() {
        let other = PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.0.7", port: 7))
        let ping = PeerEvent.requestReceived(InboundID(rawValue: 5), .dht(.ping), from: other, remote: other.id)
        var peer = machine(bootstrap: [])
        peer.handle(.started(Self.ownAddress), now: .zero)
        var buffer: [PeerAction] = []
        peer.handle(ping, now: .seconds(1), appendingActionsTo: &buffer)
        #expect(buffer.contains { if case .respond(InboundID(rawValue: 5), .dht(.pong)) = $0 { true } else { false } })
        // What the start asked for still waits where it was.
        #expect(peer.takeActions().contains { if case .armTimer(.maintenance, _) = $0 { true } else { false } })
    }

    @Test func aStoppingPeerSaysGoodbyeToItsNearestContactsWhoDropIt() {
        let contacts = (1...30).map {
            PeerInfo(id: Identity.generate().peerID, address: PeerAddress(host: "10.0.1.\($0)", port: 1))
        }
        var leaving = machine(bootstrap: [], contacts: contacts)
        leaving.handle(.started(Self.ownAddress), now: .zero)
        _ = leaving.takeActions()
        let nearest = leaving.dht!.closestKnown(to: leaving.peerID, count: 20)
        leaving.handle(.stopping, now: .seconds(1))
        let told = leaving.takeActions().compactMap { action -> PeerInfo? in
            if case .announce(.dht(.leaving), let peer) = action { peer } else { nil }
        }
        #expect(told == nearest, "the k = 20 nearest contacts, and no others")

        var neighbour = machine(bootstrap: [], contacts: contacts)
        neighbour.handle(.started(Self.ownAddress), now: .zero)
        _ = neighbour.takeActions()
        let gone = contacts[3].id
        #expect(neighbour.dht!.routingTable.contains(gone))
        // Not `contacts.count`: random IDs put more than k = 20 of the 30 in one bucket now and then.
        let before = neighbour.dht!.routingTable.count
        neighbour.handle(.announced(.dht(.leaving), from: gone), now: .seconds(2))
        #expect(!neighbour.dht!.routingTable.contains(gone))
        #expect(neighbour.dht!.routingTable.count == before - 1, "only the peer that announced it left")
    }
}
