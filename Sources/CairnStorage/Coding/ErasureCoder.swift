import CISAL
import CairnCrypto

/// Systematic Reed–Solomon over GF(2⁸) through ISA-L: `k` data shards and `n − k` parity shards of equal length,
/// any `k` of which rebuild the rest.
///
/// The encoding matrix is ISA-L's `gf_gen_cauchy1_matrix`: the identity over a Cauchy matrix. Every square
/// submatrix of a Cauchy matrix is invertible, so every choice of k surviving shards can be decoded (the
/// Vandermonde-style `gf_gen_rs_matrix` does not guarantee that for all k and n).
///
/// The GF tables for encoding are built once (`ec_init_tables`); the tables for each decode pattern are built on
/// first use and cached. Not thread-safe (the decode cache): give each pipeline its own coder.
public final class ErasureCoder {
    public let k: Int
    public let n: Int
    public var parityCount: Int { n - k }

    /// n × k, row-major: rows 0..<k are the identity, rows k..<n produce the parity shards.
    let matrix: [UInt8]
    /// `ec_init_tables` output for the parity rows: 32 · k · (n − k) bytes.
    private let encodeTables: UnsafeMutablePointer<UInt8>
    var decodePlans: [DecodeKey: DecodePlan] = [:]
    /// Scratch arrays of shard pointers that ISA-L reads (`unsigned char **`), allocated once.
    private let sources: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private let targets: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private let tailSources: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    private let tailTargets: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>

    /// Most decode patterns kept; with n ≤ 32 and a few failed holders the working set is tiny.
    static let decodeCacheLimit = 256

    public init(k: Int, n: Int) throws(StorageError) {
        guard k >= 1, k < n, n <= CodingParameters.maxShardCount else {
            throw .invalidCodingParameters(k: k, n: n)
        }
        self.k = k
        self.n = n
        var matrix = [UInt8](repeating: 0, count: n * k)
        matrix.withUnsafeMutableBufferPointer { gf_gen_cauchy1_matrix($0.baseAddress, Int32(n), Int32(k)) }
        self.matrix = matrix
        let tables = UnsafeMutablePointer<UInt8>.allocate(capacity: 32 * k * (n - k))
        matrix.withUnsafeMutableBufferPointer { rows in
            ec_init_tables(Int32(k), Int32(n - k), rows.baseAddress! + k * k, tables)
        }
        encodeTables = tables
        sources = .allocate(capacity: n)
        targets = .allocate(capacity: n)
        tailSources = .allocate(capacity: n)
        tailTargets = .allocate(capacity: n)
    }

    deinit {
        encodeTables.deallocate()
        sources.deallocate()
        targets.deallocate()
        tailSources.deallocate()
        tailTargets.deallocate()
    }

    /// Computes the parity shards of one stripe laid out contiguously: `shards` holds n shards of `shardLength`
    /// bytes, shard i at offset i · shardLength; shards 0..<k are read, shards k..<n are overwritten.
    public func encode(shards: UnsafeMutableRawBufferPointer, shardLength: Int) throws(StorageError) {
        try checkLayout(shards, shardLength)
        guard shardLength > 0 else { return }
        let base = shards.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for i in 0..<k { sources[i] = base + i * shardLength }
        for i in 0..<(n - k) { targets[i] = base + (k + i) * shardLength }
        run(length: shardLength, rows: n - k, tables: encodeTables)
    }

    /// Rebuilds shards in place in the same contiguous layout as `encode`. The shards in `available` hold valid
    /// bytes (at least k of them must be outside `rebuild`); every shard in `rebuild` is recomputed, data or parity.
    public func reconstruct(
        shards: UnsafeMutableRawBufferPointer, shardLength: Int, available: ShardSet, rebuild: ShardSet
    ) throws(StorageError) {
        try checkLayout(shards, shardLength)
        let all = ShardSet.all(n)
        let wanted = rebuild.intersection(all)
        guard !wanted.isEmpty, shardLength > 0 else { return }
        let usable = available.intersection(all).subtracting(wanted)
        guard usable.count >= k else {
            throw .erasureCoding("\(usable.count) shard(s) available, \(k) needed to rebuild \(wanted)")
        }
        let chosen = usable.prefix(k)
        let plan = try decodePlan(sources: chosen, targets: wanted)
        let base = shards.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for (slot, index) in chosen.enumerated() { sources[slot] = base + index * shardLength }
        for (slot, index) in wanted.enumerated() { targets[slot] = base + index * shardLength }
        plan.tables.withUnsafeBufferPointer { tables in
            run(length: shardLength, rows: wanted.count, tables: UnsafeMutablePointer(mutating: tables.baseAddress!))
        }
    }

    private func checkLayout(_ shards: UnsafeMutableRawBufferPointer, _ shardLength: Int) throws(StorageError) {
        guard shardLength >= 0, shards.count >= n * shardLength else {
            throw .erasureCoding("buffer of \(shards.count) bytes cannot hold \(n) shards of \(shardLength) bytes")
        }
    }

    /// ISA-L's kernel, run-time dispatched (AVX-512, AVX2, AVX or SSE).
    ///
    /// ISA-L's AVX-512 and AVX2 kernels return without `vzeroupper`, leaving the upper halves of the vector
    /// registers dirty. OpenSSL's SHA-NI code, which hashes every shard right after, uses the legacy SSE encoding
    /// and then waits to merge those stale upper halves: on the AMD Zen 5 we measured, `put_pipeline_mb_s` fell
    /// from about 1040 to 720. So the last 64-byte column goes through ISA-L's VEX-128 AVX kernel, which rewrites
    /// those registers with zeroed upper halves: the same arithmetic, and the vector state is clean again (an
    /// explicit `vzeroupper` would need a C shim, which this target does not have).
    func run(length: Int, rows: Int, tables: UnsafeMutablePointer<UInt8>) {
        #if arch(x86_64)
        if ErasureCoder.hasAVX, length >= 128 {
            let head = length - 64
            ec_encode_data(Int32(head), Int32(k), Int32(rows), tables, sources, targets)
            for i in 0..<k { tailSources[i] = sources[i]! + head }
            for i in 0..<rows { tailTargets[i] = targets[i]! + head }
            ec_encode_data_avx(64, Int32(k), Int32(rows), tables, tailSources, tailTargets)
            return
        }
        #endif
        ec_encode_data(Int32(length), Int32(k), Int32(rows), tables, sources, targets)
    }

    #if arch(x86_64)
    /// Whether the CPU has AVX (so that ISA-L's VEX-128 kernel may run), from the kernel's view of the CPU.
    static let hasAVX: Bool = {
        guard let text = try? DurableFile.readAll("/proc/cpuinfo").map({ String(decoding: $0, as: UTF8.self) })
        else { return false }
        guard let flags = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return flags.split(separator: " ").contains("avx")
    }()
    #endif
}
