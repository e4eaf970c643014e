import CISAL
import CairnCrypto

extension ErasureCoder {
    struct DecodeKey: Hashable {
        var sources: ShardSet
        var targets: ShardSet
    }

    /// The GF tables that compute the `targets` shards from the k `sources` shards.
    struct DecodePlan {
        var tables: [UInt8]
    }

    /// Sources S (k indices) give the k × k submatrix B of the encoding matrix A, with A_S · d = s for data d.
    /// So d = B⁻¹ · s: a missing data shard j is row j of B⁻¹ applied to the sources, and a missing parity
    /// shard p is row p of A times B⁻¹.
    func decodePlan(sources: ShardSet, targets: ShardSet) throws(StorageError) -> DecodePlan {
        let key = DecodeKey(sources: sources, targets: targets)
        if let plan = decodePlans[key] { return plan }

        var submatrix = [UInt8](repeating: 0, count: k * k)
        for (row, index) in sources.enumerated() {
            for column in 0..<k { submatrix[row * k + column] = matrix[index * k + column] }
        }
        var inverse = [UInt8](repeating: 0, count: k * k)
        let status = submatrix.withUnsafeMutableBufferPointer { input in
            inverse.withUnsafeMutableBufferPointer { output in
                gf_invert_matrix(input.baseAddress, output.baseAddress, Int32(k))
            }
        }
        // Cannot happen for a Cauchy code; a failure here means the matrix or the index sets are wrong.
        guard status == 0 else { throw .erasureCoding("decode matrix for shards \(sources) is singular") }

        var rows = [UInt8](repeating: 0, count: targets.count * k)
        for (slot, target) in targets.enumerated() {
            if target < k {
                for column in 0..<k { rows[slot * k + column] = inverse[target * k + column] }
            } else {
                for column in 0..<k {
                    var sum: UInt8 = 0
                    for l in 0..<k { sum ^= gf_mul(matrix[target * k + l], inverse[l * k + column]) }
                    rows[slot * k + column] = sum
                }
            }
        }
        var tables = [UInt8](repeating: 0, count: 32 * k * targets.count)
        rows.withUnsafeMutableBufferPointer { r in
            tables.withUnsafeMutableBufferPointer { t in
                ec_init_tables(Int32(k), Int32(targets.count), r.baseAddress, t.baseAddress)
            }
        }
        let plan = DecodePlan(tables: tables)
        if decodePlans.count >= ErasureCoder.decodeCacheLimit { decodePlans.removeAll(keepingCapacity: true) }
        decodePlans[key] = plan
        return plan
    }
}

extension ErasureCoder {
    /// Convenience for small data and tests: the n − k parity shards of `data` (k shards of equal length).
    public func encode(data: [[UInt8]]) throws(StorageError) -> [[UInt8]] {
        guard data.count == k else { throw .erasureCoding("expected \(k) data shards, got \(data.count)") }
        let length = data.first?.count ?? 0
        guard data.allSatisfy({ $0.count == length }) else { throw .erasureCoding("data shards differ in length") }
        let storage = AlignedStorage(byteCount: n * length)
        for (i, shard) in data.enumerated() {
            shard.withUnsafeBytes { storage.region(i * length, length).copyMemory(from: $0) }
        }
        try encode(shards: storage.buffer, shardLength: length)
        return (k..<n).map { Array(UnsafeRawBufferPointer(storage.region($0 * length, length))) }
    }

    /// Convenience for small data and tests: the k data shards, from any k or more `(index, bytes)` pairs.
    public func decode(_ shards: [(index: Int, bytes: [UInt8])]) throws(StorageError) -> [[UInt8]] {
        guard let length = shards.first?.bytes.count else { throw .erasureCoding("no shards given") }
        let storage = AlignedStorage(byteCount: n * length)
        var available = ShardSet()
        for shard in shards {
            guard shard.index >= 0, shard.index < n else { throw .invalidShardIndex(shard.index, shardCount: n) }
            guard !available.contains(shard.index) else { throw .duplicateShardIndex(shard.index) }
            guard shard.bytes.count == length else { throw .erasureCoding("shards differ in length") }
            shard.bytes.withUnsafeBytes { storage.region(shard.index * length, length).copyMemory(from: $0) }
            available.insert(shard.index)
        }
        guard available.count >= k else {
            throw .erasureCoding("\(available.count) shard(s) given, \(k) needed")
        }
        let missingData = ShardSet.all(k).subtracting(available)
        try reconstruct(shards: storage.buffer, shardLength: length, available: available, rebuild: missingData)
        return (0..<k).map { Array(UnsafeRawBufferPointer(storage.region($0 * length, length))) }
    }
}

extension ErasureCoder {
    /// The shards at `targets` (data or parity), rebuilt from at least k `(index, bytes)` pairs of equal length;
    /// what a repair computes without the file key.
    public func rebuild(_ shards: [(index: Int, bytes: [UInt8])], targets: [Int]) throws(StorageError) -> [Int: [UInt8]] {
        guard let length = shards.first?.bytes.count else { throw .erasureCoding("no shards given") }
        let storage = AlignedStorage(byteCount: n * length)
        var available = ShardSet()
        for shard in shards {
            guard shard.index >= 0, shard.index < n else { throw .invalidShardIndex(shard.index, shardCount: n) }
            guard shard.bytes.count == length else { throw .erasureCoding("shards differ in length") }
            shard.bytes.withUnsafeBytes { storage.region(shard.index * length, length).copyMemory(from: $0) }
            available.insert(shard.index)
        }
        var wanted = ShardSet()
        for target in targets {
            guard target >= 0, target < n else { throw .invalidShardIndex(target, shardCount: n) }
            wanted.insert(target)
        }
        try reconstruct(shards: storage.buffer, shardLength: length, available: available, rebuild: wanted)
        var rebuilt: [Int: [UInt8]] = [:]
        for target in targets { rebuilt[target] = Array(UnsafeRawBufferPointer(storage.region(target * length, length))) }
        return rebuilt
    }
}
