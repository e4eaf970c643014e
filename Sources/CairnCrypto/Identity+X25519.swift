import CSodium

extension Identity {
    /// The X25519 form of this identity's Ed25519 key, so that a file key can be sealed to a peer or an account
    /// knowing only its public key (`PublicKey.x25519PublicKey()`).
    public var x25519KeyPair: X25519KeyPair {
        Sodium.ensureReady()
        var curveSecret = [UInt8](repeating: 0, count: X25519KeyPair.keyByteCount)
        let rc = crypto_sign_ed25519_sk_to_curve25519(&curveSecret, secretKey)
        // Only fails on a malformed 64-byte secret key, which `Identity` never holds.
        precondition(rc == 0, "crypto_sign_ed25519_sk_to_curve25519 failed")
        return X25519KeyPair(secretKey: curveSecret)!
    }
}

extension PublicKey {
    /// The X25519 public key for this Ed25519 key (the birational map from Edwards to Montgomery form).
    /// Throws `invalidPublicKey` when the 32 bytes are not a usable Ed25519 point.
    public func x25519PublicKey() throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        var curvePublic = [UInt8](repeating: 0, count: X25519KeyPair.keyByteCount)
        guard crypto_sign_ed25519_pk_to_curve25519(&curvePublic, bytes) == 0 else {
            throw CryptoError.invalidPublicKey
        }
        return curvePublic
    }
}
