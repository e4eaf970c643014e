import CSodium

/// An X25519 (Curve25519 Diffie-Hellman) key pair, as libsodium's `crypto_box` and `crypto_scalarmult` use it.
///
/// The handshake makes one per connection (the ephemeral keys); sealed boxes seal to the X25519 form of an
/// identity's Ed25519 key (`Identity.x25519KeyPair`).
public struct X25519KeyPair: Sendable {
    public static let keyByteCount = 32

    /// The 32-byte public key (the u-coordinate of the public point).
    public let publicKey: [UInt8]
    /// The 32-byte secret scalar. Keep it in the process.
    public let secretKey: [UInt8]

    /// A fresh random key pair.
    public static func generate() -> X25519KeyPair {
        Sodium.ensureReady()
        var secret = [UInt8](repeating: 0, count: keyByteCount)
        Random.fill(&secret)
        // A random scalar always yields a valid public point, so this cannot fail.
        return X25519KeyPair(secretKey: secret)!
    }

    /// The key pair whose secret scalar is `secretKey`; nil unless it is exactly 32 bytes.
    public init?(secretKey: [UInt8]) {
        Sodium.ensureReady()
        guard secretKey.count == X25519KeyPair.keyByteCount else { return nil }
        var publicKey = [UInt8](repeating: 0, count: X25519KeyPair.keyByteCount)
        guard crypto_scalarmult_base(&publicKey, secretKey) == 0 else { return nil }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// X25519(secret, peer's public key): the 32-byte shared secret. Feed it to a KDF, never use it as a key.
    ///
    /// Throws `invalidPublicKey` when the peer's key is not 32 bytes or is a low-order point: RFC 7748 §6.1 says
    /// to check for the all-zero output, which is exactly what such points produce, and a peer that sends one
    /// is trying to force a known secret.
    public func sharedSecret(with peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard peerPublicKey.count == X25519KeyPair.keyByteCount else { throw CryptoError.invalidPublicKey }
        var shared = [UInt8](repeating: 0, count: X25519KeyPair.keyByteCount)
        // libsodium returns -1 when the result is all zeros.
        guard crypto_scalarmult(&shared, secretKey, peerPublicKey) == 0 else { throw CryptoError.invalidPublicKey }
        return shared
    }
}
