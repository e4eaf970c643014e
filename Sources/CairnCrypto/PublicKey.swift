import CSodium

/// An Ed25519 public key: a peer's or an account's long-term identity.
public struct PublicKey: Hashable, Sendable {
    public static let byteCount = 32
    public static let signatureByteCount = 64

    public let bytes: [UInt8]

    /// Nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == PublicKey.byteCount else { return nil }
        self.bytes = bytes
    }

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.bytes == b.bytes }

    /// The key's bytes in one call: the derived conformance fed the hasher one byte at a time, a tenth of a
    /// simulated chain's time (validator sets are dictionaries keyed by public keys, rebuilt every block).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// SHA-256 of the key: the PeerID.
    public var peerID: PeerID { SHA256.hash(bytes) }

    /// True only for a valid Ed25519 signature of `message` by this key. Consults `SignatureMemo` when the
    /// simulator has turned it on.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == PublicKey.signatureByteCount else { return false }
        return SignatureMemo.verify(key: bytes, signature: signature, message: message) {
            verifyWithoutMemo(signature: signature, message: message)
        }
    }

    /// libsodium's verification, never the memo's.
    func verifyWithoutMemo(signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == PublicKey.signatureByteCount else { return false }
        Sodium.ensureReady()
        return signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                bytes.withUnsafeBufferPointer { pk in
                    crypto_sign_verify_detached(sig.baseAddress!, msg.baseAddress, UInt64(msg.count), pk.baseAddress!) == 0
                }
            }
        }
    }
}
