import CairnCrypto

/// The owner's word that `grantee` may read file `fileID`: the file key sealed to the grantee's key, signed by
/// the owner. The grantee checks it against the descriptor's owner and opens the key with its own identity.
///
/// Binary form (big-endian): u8 version (1), 32 file ID, 32 grantee key, 32 owner key, u16 sealed key length,
/// sealed key (≤ 1024 bytes), 64 signature over the domain tag "cairn/access-grant/v1" and everything before it.
public struct AccessGrant: Hashable, Sendable {
    public static let formatVersion: UInt8 = 1
    static let signingDomain = Array("cairn/access-grant/v1".utf8)

    public var fileID: Key256
    public var grantee: PublicKey
    /// The file key sealed to `grantee` (SealedBox); opaque here.
    public var sealedKey: [UInt8]
    public var owner: PublicKey
    public var signature: [UInt8]

    public init(fileID: Key256, grantee: PublicKey, sealedKey: [UInt8], owner: PublicKey, signature: [UInt8]) {
        self.fileID = fileID
        self.grantee = grantee
        self.sealedKey = sealedKey
        self.owner = owner
        self.signature = signature
    }

    /// A grant from `owner`, signed by it.
    public init(fileID: Key256, grantee: PublicKey, sealedKey: [UInt8], owner: Identity) throws(StorageError) {
        guard sealedKey.count <= Descriptor.maxSealedKeyBytes else {
            throw .malformedAccessGrant("sealed key is \(sealedKey.count) bytes, at most \(Descriptor.maxSealedKeyBytes)")
        }
        self.init(fileID: fileID, grantee: grantee, sealedKey: sealedKey, owner: owner.publicKey, signature: [])
        signature = owner.sign(signingBytes)
    }

    public var signingBytes: [UInt8] {
        var writer = ByteWriter(reservingCapacity: 160 + sealedKey.count)
        writer.write(shortBytes: AccessGrant.signingDomain)
        writeBody(into: &writer)
        return writer.bytes
    }

    /// True only for a valid signature by `owner`.
    public func verifySignature() -> Bool {
        sealedKey.count <= Descriptor.maxSealedKeyBytes && owner.verify(signature: signature, message: signingBytes)
    }

    /// Valid signature, and issued by the owner of `descriptor` for that very file.
    public func verify(against descriptor: Descriptor) -> Bool {
        owner == descriptor.owner && fileID == descriptor.fileID && verifySignature()
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 230 + sealedKey.count)
        writeBody(into: &writer)
        var signatureField = Array(signature.prefix(PublicKey.signatureByteCount))
        signatureField += [UInt8](repeating: 0, count: PublicKey.signatureByteCount - signatureField.count)
        writer.write(raw: signatureField)
        return writer.bytes
    }

    /// Decodes untrusted bytes; the signature is not checked here (`verifySignature()`).
    public init(decoding bytes: [UInt8]) throws(StorageError) {
        var reader = ByteReader(bytes)
        func fail(_ reason: String) -> StorageError { .malformedAccessGrant(reason) }
        guard let version = reader.readUInt8() else { throw fail("empty") }
        guard version == AccessGrant.formatVersion else { throw fail("format version \(version) is not supported") }
        guard let fileID = reader.readKey(),
            let granteeBytes = reader.readBytes(PublicKey.byteCount), let grantee = PublicKey(bytes: granteeBytes),
            let ownerBytes = reader.readBytes(PublicKey.byteCount), let owner = PublicKey(bytes: ownerBytes)
        else { throw fail("truncated before the sealed key") }
        guard let sealedKey = reader.readShortBytes(maximum: Descriptor.maxSealedKeyBytes) else {
            throw fail("sealed key missing or longer than \(Descriptor.maxSealedKeyBytes) bytes")
        }
        guard let signature = reader.readBytes(PublicKey.signatureByteCount) else { throw fail("truncated signature") }
        guard reader.isAtEnd else { throw fail("\(reader.remaining) unexpected bytes after the signature") }
        self.init(fileID: fileID, grantee: grantee, sealedKey: sealedKey, owner: owner, signature: signature)
    }

    private func writeBody(into writer: inout ByteWriter) {
        writer.write(AccessGrant.formatVersion)
        writer.write(fileID)
        writer.write(raw: grantee.bytes)
        writer.write(raw: owner.bytes)
        writer.write(shortBytes: Array(sealedKey.prefix(Int(UInt16.max))))
    }
}
