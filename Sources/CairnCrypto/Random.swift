import CSodium

/// Cryptographically secure random bytes from libsodium.
public enum Random {
    public static func fill(_ bytes: inout [UInt8]) {
        Sodium.ensureReady()
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
    }

    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 { fill(&out) }
        return out
    }

    public static func key256() -> Key256 { Key256(bytes: bytes(32))! }
}
