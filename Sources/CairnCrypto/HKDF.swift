/// HKDF with SHA-256 (RFC 5869): turns a shared secret into as many independent keys as needed.
public enum HKDF {
    /// RFC 5869 §2.3: L <= 255 * HashLen.
    public static let maxOutputByteCount = 255 * HMAC.sha256ByteCount

    /// Extract then expand. An empty salt means "no salt", which RFC 5869 §2.2 defines as HashLen zero bytes.
    /// `outputByteCount` must be in 0...8160 (a programming error otherwise).
    public static func sha256(
        inputKeyMaterial: [UInt8], salt: [UInt8], info: [UInt8], outputByteCount: Int
    ) -> [UInt8] {
        precondition(
            (0...maxOutputByteCount).contains(outputByteCount), "HKDF output must be 0...\(maxOutputByteCount) bytes")
        // §2.2: PRK = HMAC-Hash(salt, IKM)
        let prk = HMAC.sha256(
            key: salt.isEmpty ? [UInt8](repeating: 0, count: HMAC.sha256ByteCount) : salt, message: inputKeyMaterial)
        // §2.3: T(0) = empty; T(i) = HMAC-Hash(PRK, T(i-1) | info | i); OKM = first L octets of T(1) | T(2) | ...
        var okm = [UInt8]()
        okm.reserveCapacity(outputByteCount + HMAC.sha256ByteCount)
        var block = [UInt8]()
        var counter: UInt8 = 1
        while okm.count < outputByteCount {
            block = HMAC.sha256(key: prk, message: block + info + [counter])
            okm += block
            counter &+= 1
        }
        return Array(okm.prefix(outputByteCount))
    }
}
