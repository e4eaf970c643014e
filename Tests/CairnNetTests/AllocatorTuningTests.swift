import CairnNet
import Logging
import ServiceLifecycle
import Testing

@Suite struct AllocatorTuningTests {
    @Test func glibcTakesThePeersSettings() {
        #if os(Linux) && canImport(Glibc)
            #expect(AllocatorTuning.apply(.peer, environment: [:]) == .applied(.peer))
        #else
            #expect(AllocatorTuning.apply(.peer, environment: [:]) == .unsupported)
        #endif
    }

    @Test func anOperatorsMallocTunablesStand() {
        let tunables = "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=262144"
        #expect(
            AllocatorTuning.apply(.peer, environment: ["GLIBC_TUNABLES": tunables])
                == .leftToEnvironment(tunables))
    }

    @Test func tunablesForOtherPartsOfGlibcDoNotCount() {
        let outcome = AllocatorTuning.apply(.peer, environment: ["GLIBC_TUNABLES": "glibc.pthread.rseq=0"])
        #expect(outcome != .leftToEnvironment("glibc.pthread.rseq=0"))
    }

    /// The trim service sleeps an hour between trims here: it ends at the group's graceful shutdown all the same,
    /// so that a peer stops at once (the test would hang otherwise).
    @Test func theTrimServiceEndsAtTheGracefulShutdown() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: AllocatorTrimService(interval: .seconds(3600)))],
                logger: Logger(label: "trim-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
