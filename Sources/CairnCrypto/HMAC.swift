import COpenSSL

/// HMAC (RFC 2104) with SHA-256 through OpenSSL's one-shot MAC interface.
public enum HMAC {
    public static let sha256ByteCount = 32

    /// HMAC-SHA256(key, message): 32 bytes.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: sha256ByteCount)
        var written = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                out.withUnsafeMutableBytes { outBytes in
                    // OpenSSL wants a non-null key pointer even for an empty key.
                    withUnsafeTemporaryAllocation(byteCount: 1, alignment: 1) { empty in
                        EVP_Q_mac(
                            nil, "HMAC", nil, "SHA256", nil,
                            keyBytes.count > 0 ? keyBytes.baseAddress : UnsafeRawPointer(empty.baseAddress!),
                            keyBytes.count,
                            messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                            outBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), outBytes.count, &written)
                    }
                }
            }
        }
        // Only an allocation failure inside OpenSSL gets here; there is no input that makes HMAC fail.
        precondition(result != nil && written == sha256ByteCount, "EVP_Q_mac(HMAC-SHA256) failed")
        return out
    }
}
