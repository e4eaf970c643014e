import CairnCrypto
import NIOCore

/// The owner's word that `grantee` may read file `fileID`: the file key sealed to the grantee's key, signed by
/// the owner. The grantee checks it against the descriptor's owner and opens the key with its own identity.
///
/// Binary form: `ByteBuffer+AccessGrant.swift`.
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

    /// A domain tag (u16 length, UTF-8), then every field but the signature in their encoded form.
    public var signingBytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(AccessGrant.signingDomain.count))
        buffer.writeBytes(AccessGrant.signingDomain)
        buffer.writeAccessGrantBody(self)
        return Array(buffer.readableBytesView)
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
        var buffer = ByteBuffer()
        buffer.writeAccessGrant(self)
        return Array(buffer.readableBytesView)
    }

    /// Decodes untrusted bytes; the signature is not checked here (`verifySignature()`).
    public init(decoding bytes: [UInt8]) throws(StorageError) {
        var buffer = ByteBuffer(bytes: bytes)
        self = try buffer.readAccessGrant()
    }
}
