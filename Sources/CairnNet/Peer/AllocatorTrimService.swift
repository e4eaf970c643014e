import CMalloc
import ServiceLifecycle

/// Hands the free pages inside glibc's heaps back to the system every `interval` (`malloc_trim(0)`), until the
/// graceful shutdown.
///
/// `AllocatorTuning` gives large blocks their own mappings, but the many small ones a busy peer frees (frames,
/// transactions, proofs) leave free pages in the middle of its two heaps, which glibc returns only from their
/// top. Measured with `cairn bench soak` (10 peers, 3 clients, 180 s, release build): after the storage market
/// worked through the load, with its blocks of proofs, the peers' live heap grew by about 7.5 MiB (heaptrack),
/// their resident size by 15–20 MiB, peaks up to 121 MiB. With a trim every 10 s (one run): peaks 98–118 MiB,
/// every peer idle + 12–13 MiB at the end. `cairn bench files` moved within its noise (256 MiB put 60 → 74
/// MB/s, get 195 → 209 MB/s, 4 KiB puts 34 → 33 /s).
public struct AllocatorTrimService: Service {
    let interval: Duration

    public init(interval: Duration = .seconds(10)) { self.interval = interval }

    public func run() async throws {
        #if canImport(Glibc) && os(Linux)
            let interval = self.interval
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    _ = malloc_trim(0)
                }
            }
        #else
            try? await gracefulShutdown()
        #endif
    }
}
