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
