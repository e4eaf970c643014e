#if canImport(Glibc)
import Glibc
#endif

/// Huge pages for the simulator's heap.
///
/// A simulation keeps every peer's state in memory (about 30 KB a peer: 3 GB at 100,000 peers) and every
/// message touches a random peer's, so with 4 KB pages nearly every touch misses the TLB and its page-table
/// walk misses the cache too: what made time per message grow with the network. glibc gives its heap
/// transparent huge pages when `glibc.malloc.hugetlb=1` is set (with a large `top_pad`, so that the heap
/// grows by whole 2 MB pages), but only from the environment at start: so `cairn sim` runs itself again
/// once with it. Nothing in the run depends on it but its speed; an operator's own GLIBC_TUNABLES stands.
enum SimHugePages {
    static let marker = "CAIRN_SIM_HUGEPAGES"
    static let tunables = "glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864"

    /// Replaces the process with itself under `tunables`, unless already done, set otherwise, or impossible
    /// (then it returns and the run goes on with small pages).
    static func reexecIfNeeded() {
        #if os(Linux)
        guard getenv("GLIBC_TUNABLES") == nil, getenv(marker) == nil else { return }
        setenv("GLIBC_TUNABLES", tunables, 1)
        setenv(marker, "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on as we are.
        unsetenv("GLIBC_TUNABLES")
        #endif
    }
}
