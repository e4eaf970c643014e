#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (RLIMIT_NOFILE). Many systems start processes with a soft limit of 1,024
/// although the hard limit allows far more; a peer serving hundreds of connections and a shard store needs the
/// room, so `cairn run` raises the soft limit to the hard one at start.
public enum OpenFileLimit {
    public struct Raised: Sendable, Equatable {
        /// The soft limit found at start.
        public var before: Int
        /// The soft limit now in force.
        public var now: Int
    }

    /// Raises the soft limit as far as the hard limit allows and returns both values.
    public static func raise() -> Raised {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return Raised(before: 1024, now: 1024) }
        let before = limit.rlim_cur
        var wanted = limit.rlim_max
        #if canImport(Darwin)
        // Darwin refuses a soft limit above OPEN_MAX even when the hard limit is "unlimited".
        wanted = min(wanted, rlim_t(OPEN_MAX))
        #endif
        if wanted > before {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(RLIMIT_NOFILE_VALUE, &raised) == 0 { limit = raised }
        }
        return Raised(before: clamp(before), now: clamp(limit.rlim_cur))
    }

    private static func clamp(_ value: rlim_t) -> Int {
        // RLIM_INFINITY is the largest value: it lands here too.
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }

    #if canImport(Glibc)
    private static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
    #endif
}
