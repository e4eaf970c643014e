import CairnCrypto

/// The Merkle root over a block's transaction hashes, RFC 6962 §2.1 (Certificate Transparency):
///
///   MTH({})        = SHA-256()
///   MTH({d0})      = SHA-256(0x00 || d0)
///   MTH(D[0..<n])  = SHA-256(0x01 || MTH(D[0..<k]) || MTH(D[k..<n])), k the largest power of two < n
///
/// The 0x00/0x01 prefixes keep a leaf from passing for an inner node (second-preimage attacks); each leaf
/// d is a 32-byte transaction hash.
public enum TransactionRoot {
    public static func of(_ hashes: [Key256]) -> Key256 {
        guard !hashes.isEmpty else { return SHA256.hash([UInt8]()) }
        return hashes.withUnsafeBufferPointer { root($0[...]) }
    }

    public static func of(_ transactions: [SignedTransaction]) -> Key256 { of(transactions.map(\.hash)) }

    private static func root(_ leaves: Slice<UnsafeBufferPointer<Key256>>) -> Key256 {
        if leaves.count == 1 {
            var input = [UInt8](repeating: 0, count: 33)
            write(leaves.first!, into: &input, at: 1)
            return SHA256.hash(input)
        }
        var split = 1
        while split << 1 < leaves.count { split <<= 1 }
        let left = root(leaves.prefix(split))
        let right = root(leaves.dropFirst(split))
        var input = [UInt8](repeating: 1, count: 65)
        write(left, into: &input, at: 1)
        write(right, into: &input, at: 33)
        return SHA256.hash(input)
    }

    private static func write(_ key: Key256, into bytes: inout [UInt8], at offset: Int) {
        for (index, word) in [key.w0, key.w1, key.w2, key.w3].enumerated() {
            for byte in 0..<8 {
                bytes[offset + index * 8 + byte] = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * byte))
            }
        }
    }
}
