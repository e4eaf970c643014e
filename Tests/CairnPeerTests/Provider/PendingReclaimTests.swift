import CairnPeer
import CairnStorage
import CairnWire
import Testing

/// Pending shards are reclaimed on the machine's own timer, with the machine's clock.
@Suite struct PendingReclaimTests {
    @Test func theTimerAsksTheStoreToReleaseWhatIsOlderThanTheGrace() throws {
        var peer = ProviderHarness(pendingGrace: .seconds(400))
        let interval = ProviderConfig(pendingGrace: .seconds(400)).reclaimInterval
        #expect(interval == .seconds(100))
        #expect(peer.started.contains {
            if case .armTimer(.reclaimPending, at: ProviderHarness.start + interval) = $0 { true } else { false }
        })

        let fired: Instant = .seconds(1_100)
        peer.machine.handle(.timerFired(.reclaimPending), now: fired)
        let actions = peer.machine.takeActions()
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .reclaimPending(.seconds(700)) = operation else {
            Issue.record("expected a release of what was added before 700 s, got \(operation)")
            return
        }
        #expect(actions.contains {
            if case .armTimer(.reclaimPending, at: fired + interval) = $0 { true } else { false }
        })

        // A pass still running is not doubled.
        peer.machine.handle(.timerFired(.reclaimPending), now: fired + interval)
        #expect(storeOperations(peer.machine.takeActions()).isEmpty)

        let done = peer.complete(ticket, .reclaimed(ShardStore.PendingReclaim(references: 3, shards: 2)))
        guard case .log(let entry)? = done.first else {
            Issue.record("expected the release logged, got \(done)")
            return
        }
        #expect(entry.metadata == ["cairn.references": "3", "cairn.shards": "2"])

        // The next firing runs a new pass.
        peer.machine.handle(.timerFired(.reclaimPending), now: fired + interval * 2)
        #expect(storeOperations(peer.machine.takeActions()).count == 1)
    }

    @Test func stoppingAnswersWhatWaitsOnTheDiskAndStopsTheTimer() throws {
        var peer = ProviderHarness()
        let (id, _) = peer.request(.capacity)
        peer.machine.handle(.stopping, now: .seconds(2_000))
        let actions = peer.machine.takeActions()
        #expect(responses(actions).map(\.0) == [id])
        #expect(actions.contains { if case .cancelTimer(.reclaimPending) = $0 { true } else { false } })
    }
}
