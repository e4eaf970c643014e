import CSodium

/// Anonymous public-key encryption (libsodium's `crypto_box_seal`): anyone can seal a message to a recipient's
/// X25519 public key; only the recipient can open it, and the box does not say who sealed it.
///
/// Cairn seals each file's key to its owner and to every grantee. The box is 48 bytes longer than the message
/// (an ephemeral public key and a Poly1305 tag).
public enum SealedBox {
    public static let overheadByteCount = Int(crypto_box_sealbytes())

    /// Seals `message` to `recipientX25519PublicKey`. Throws `invalidPublicKey` for a key that is not 32 bytes
    /// or is a low-order point.
    public static func seal(_ message: [UInt8], to recipientX25519PublicKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        guard recipientX25519PublicKey.count == X25519KeyPair.keyByteCount else { throw CryptoError.invalidPublicKey }
        var box = [UInt8](repeating: 0, count: message.count + overheadByteCount)
        let rc = message.withUnsafeBufferPointer { m in
            crypto_box_seal(&box, m.baseAddress, UInt64(m.count), recipientX25519PublicKey)
        }
        guard rc == 0 else { throw CryptoError.invalidPublicKey }
        return box
    }

    /// Bytes of the seed `seal(_:to:ephemeralSeed:)` takes.
    public static let ephemeralSeedByteCount = Int(crypto_box_seedbytes())

    /// Seals `message` to `recipientX25519PublicKey` exactly as `crypto_box_seal` does, but with the ephemeral key
    /// pair made from `ephemeralSeed` (32 bytes) instead of drawn at random: the box opens with `open` like any
    /// other. For a driver that must give the same bytes for the same seed (the simulator); a seed used twice
    /// makes two boxes under one key, so everything else draws a fresh one (`seal(_:to:)`).
    ///
    /// libsodium's construction (crypto_box_seal.c): `epk ‖ crypto_box_easy(m, n, pk, esk)` with
    /// `n = BLAKE2b-192(epk ‖ pk)`.
    public static func seal(_ message: [UInt8], to recipientX25519PublicKey: [UInt8], ephemeralSeed: [UInt8])
        throws(CryptoError) -> [UInt8]
    {
        Sodium.ensureReady()
        guard recipientX25519PublicKey.count == X25519KeyPair.keyByteCount else { throw CryptoError.invalidPublicKey }
        precondition(ephemeralSeed.count == ephemeralSeedByteCount, "an ephemeral seed is 32 bytes")
        var publicKey = [UInt8](repeating: 0, count: Int(crypto_box_publickeybytes()))
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_box_secretkeybytes()))
        defer { sodium_memzero(&secretKey, secretKey.count) }
        guard crypto_box_seed_keypair(&publicKey, &secretKey, ephemeralSeed) == 0 else {
            throw CryptoError.invalidPublicKey
        }
        var nonce = [UInt8](repeating: 0, count: Int(crypto_box_noncebytes()))
        let input = publicKey + recipientX25519PublicKey
        _ = crypto_generichash(&nonce, nonce.count, input, UInt64(input.count), nil, 0)
        var sealed = [UInt8](repeating: 0, count: message.count + Int(crypto_box_macbytes()))
        let rc = message.withUnsafeBufferPointer { m in
            crypto_box_easy(&sealed, m.baseAddress, UInt64(m.count), nonce, recipientX25519PublicKey, secretKey)
        }
        guard rc == 0 else { throw CryptoError.invalidPublicKey }
        return publicKey + sealed
    }

    /// Opens a box sealed to `recipient`. Throws `authenticationFailed` when the box was altered, truncated or
    /// sealed to someone else.
    public static func open(_ box: [UInt8], recipient: X25519KeyPair) throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        guard box.count >= overheadByteCount else { throw CryptoError.authenticationFailed }
        var message = [UInt8](repeating: 0, count: box.count - overheadByteCount)
        let rc = box.withUnsafeBufferPointer { b in
            crypto_box_seal_open(&message, b.baseAddress!, UInt64(b.count), recipient.publicKey, recipient.secretKey)
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return message
    }
}
