import CairnCrypto

extension FileKey {
    /// The key sealed to `recipient` (anonymous SealedBox to the X25519 form of its Ed25519 key): what goes into
    /// a descriptor's `sealedKey` for the owner and into an `AccessGrant` for a grantee.
    /// With `ephemeralSeed` (32 bytes) the box is the same for the same seed (`SealedBox.seal(_:to:ephemeralSeed:)`).
    public func sealed(to recipient: PublicKey, ephemeralSeed: [UInt8]? = nil) throws(StorageError) -> [UInt8] {
        do {
            if let ephemeralSeed {
                return try SealedBox.seal(bytes, to: recipient.x25519PublicKey(), ephemeralSeed: ephemeralSeed)
            }
            return try SealedBox.seal(bytes, to: recipient.x25519PublicKey())
        } catch {
            throw .crypto(error)
        }
    }

    /// Opens a key sealed to `identity`. Throws `crypto(.authenticationFailed)` when it was sealed to someone
    /// else or altered.
    public init(opening sealed: [UInt8], with identity: Identity) throws(StorageError) {
        let bytes: [UInt8]
        do {
            bytes = try SealedBox.open(sealed, recipient: identity.x25519KeyPair)
        } catch {
            throw .crypto(error)
        }
        guard let key = FileKey(bytes: bytes) else { throw .crypto(.invalidKeyLength(expected: 32, got: bytes.count)) }
        self = key
    }
}
