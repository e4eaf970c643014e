import CairnNet
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
}
