import CMalloc
import Foundation

/// glibc's allocator, set at the start of `cairn run` so that a peer's memory stays bounded however long it
/// serves (issue 6, item 10).
///
/// A peer moves 4 MiB segments and 1–2 MiB shards and frames all day. glibc serves a block of at least its mmap
/// threshold with a mapping of its own, unmapped when freed; but that threshold starts at 128 KiB and *rises*
/// to the size of each such block freed (up to 32 MiB), after which segments and shards come from the heaps,
/// whose free space goes back to the system only from the top. Interleaved with small long-lived allocations
/// they fragment the heaps for good.
///
/// Measured with `cairn bench soak` (10 peers, 3 clients, files of 1 B to 20 MiB for 360 s, every file deleted,
/// then 60 s idle; release build, 2 cores):
/// - glibc's defaults: every peer went from 47 MiB to a peak of 165–287 MiB, and was still at 127–285 MiB at
///   the end;
/// - the mmap threshold fixed at 1 MiB (two runs): peaks 93–119 MiB, end 51–60 MiB (idle + 5 to 13);
/// - that and at most 2 arenas, as `cairn run` sets (two runs): peaks 94–118 MiB, end 50–55 MiB (idle + 4
///   to 8). glibc's default of 8 arenas per core lets each thread's arena keep free blocks of its own, the
///   more of them the more cores the machine has.
///
/// What remains of the peaks comes and goes within seconds (the 5 s samples during the load sit at 50–77 MiB):
/// data in flight, not memory the allocator keeps.
///
/// The price is system time, mapping and unmapping large blocks (CPU time of the whole cluster, on a busy
/// machine): over `cairn bench files --size 256MiB` 7.0–7.2 s → 9.3–10.2 s (two runs of each; user time
/// 20–23 s either way), over `--size 2GiB` 33 s → 47 s (one run of each; user time 54–56 s). Reusing segment
/// and shard buffers on the put and get paths would win that back. In exchange, the peer serving the 2 GiB get
/// peaked at 88 MiB instead of 257.
///
/// Fixing the mmap threshold also stops glibc adjusting the trim threshold, which stays at 128 KiB: free space
/// at the top of a heap goes back at once, and the figures above needed nothing more.
public enum AllocatorTuning {
    public struct Settings: Sendable, Equatable {
        /// Blocks of at least this many bytes get their own mapping, returned to the system when freed.
        public var mmapThreshold: Int32
        /// At most this many malloc arenas (glibc's default is 8 per core); nil leaves the default.
        public var arenaMax: Int32?

        public init(mmapThreshold: Int32, arenaMax: Int32? = nil) {
            self.mmapThreshold = mmapThreshold
            self.arenaMax = arenaMax
        }

        /// What `cairn run` sets: see the measurements above.
        public static let peer = Settings(mmapThreshold: 1 << 20, arenaMax: 2)
    }

    public enum Outcome: Sendable, Equatable {
        case applied(Settings)
        /// GLIBC_TUNABLES sets the allocator: the operator's settings stand.
        case leftToEnvironment(String)
        /// Not glibc's allocator, or it refused a setting.
        case unsupported
    }

    /// Applies `settings` unless GLIBC_TUNABLES in `environment` already sets glibc.malloc tunables.
    @discardableResult
    public static func apply(
        _ settings: Settings = .peer, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Outcome {
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.") {
            return .leftToEnvironment(tunables)
        }
        #if canImport(Glibc) && os(Linux)
            guard mallopt(M_MMAP_THRESHOLD, settings.mmapThreshold) == 1 else { return .unsupported }
            if let arenaMax = settings.arenaMax, mallopt(M_ARENA_MAX, arenaMax) != 1 { return .unsupported }
            return .applied(settings)
        #else
            return .unsupported
        #endif
    }
}
