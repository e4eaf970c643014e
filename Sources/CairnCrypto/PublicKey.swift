import CSodium

/// An Ed25519 public key: a peer's or an account's long-term identity.
public struct PublicKey: Hashable, Sendable {
    public static let byteCount = 32
    public static let signatureByteCount = 64

    /// The 32 bytes held inline as four big-endian words: a key inside an agreement, an account or a dictionary
    /// key costs no allocation and no reference count, and compares and hashes in a few instructions. As an
    /// array, copying a market state's agreements (two keys each) was a tenth of an epoch's settlement.
    let words: Key256

    /// The key's 32 bytes (a new array each time).
    public var bytes: [UInt8] { words.bytes }

    /// Nil unless exactly 32 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == PublicKey.byteCount, let words = Key256(bytes: bytes) else { return nil }
        self.words = words
    }

    /// Unsigned lexicographic order of the key bytes: the chain's tie-break wherever keys must be ordered (the
    /// big-endian words compare as the bytes do).
    public func precedes(_ other: PublicKey) -> Bool { words < other.words }

    /// SHA-256 of the key: the PeerID.
    public var peerID: PeerID { SHA256.hash(bytes) }

    /// True only for a valid Ed25519 signature of `message` by this key. Consults `SignatureMemo` when the
    /// simulator has turned it on.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == PublicKey.signatureByteCount else { return false }
        let bytes = bytes
        return SignatureMemo.verify(key: bytes, signature: signature, message: message) {
            verifyWithoutMemo(signature: signature, message: message)
        }
    }

    /// libsodium's verification, never the memo's.
    func verifyWithoutMemo(signature: [UInt8], message: [UInt8]) -> Bool {
        guard signature.count == PublicKey.signatureByteCount else { return false }
        Sodium.ensureReady()
        let bytes = bytes
        return signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                bytes.withUnsafeBufferPointer { pk in
                    crypto_sign_verify_detached(sig.baseAddress!, msg.baseAddress, UInt64(msg.count), pk.baseAddress!) == 0
                }
            }
        }
    }
}
