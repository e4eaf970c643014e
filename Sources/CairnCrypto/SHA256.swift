import COpenSSL

/// SHA-256 through OpenSSL, which uses the CPU's SHA extensions where present.
public enum SHA256 {
    public static func hash<Bytes: ContiguousBytes>(_ data: Bytes) -> Key256 {
        data.withUnsafeBytes { hash(buffer: $0) }
    }

    public static func hash(buffer: UnsafeRawBufferPointer) -> Key256 {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBytes { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress?.assumingMemoryBound(to: UInt8.self),
                       &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return Key256(bytes: digest)!
    }
}
