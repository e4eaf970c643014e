import CairnCrypto
import CairnWire
import NIOCore

// Binary form of an access grant, all integers big-endian (`AccessGrant`):
//
//     u8  version (1)
//     32  file ID
//     32  grantee's Ed25519 public key
//     32  owner's Ed25519 public key
//     u16 sealed key length, sealed key (≤ 1024 bytes)
//     64  owner's signature over u16 length ‖ "cairn/access-grant/v1" and everything above
//
// Decoding trusts nothing: the sealed key's length is bounded before it is read, and a grant must fill the
// buffer exactly.

extension ByteBuffer {
    /// Writes a grant with its signature (zero-padded to 64 bytes when unsigned).
    @discardableResult
    public mutating func writeAccessGrant(_ grant: AccessGrant) -> Int {
        writeAccessGrantBody(grant) + writeSignature(grant.signature)
    }

    @discardableResult
    mutating func writeAccessGrantBody(_ grant: AccessGrant) -> Int {
        let sealedKey = grant.sealedKey.prefix(Int(UInt16.max))
        return writeInteger(AccessGrant.formatVersion) + writeKey256(grant.fileID) + writePublicKey(grant.grantee)
            + writePublicKey(grant.owner) + writeInteger(UInt16(sealedKey.count)) + writeBytes(sealedKey)
    }

    /// Reads a whole grant; the buffer must hold exactly one. Throws `malformedAccessGrant` with the reason; the
    /// signature is not checked here (`AccessGrant.verifySignature()`).
    public mutating func readAccessGrant() throws(StorageError) -> AccessGrant {
        func fail(_ reason: String) -> StorageError { .malformedAccessGrant(reason) }
        guard let version = readInteger(as: UInt8.self) else { throw fail("empty") }
        guard version == AccessGrant.formatVersion else { throw fail("format version \(version) is not supported") }
        guard let fileID = readKey256(), let grantee = readPublicKey(), let owner = readPublicKey() else {
            throw fail("truncated before the sealed key")
        }
        guard let length = readInteger(as: UInt16.self), Int(length) <= Descriptor.maxSealedKeyBytes,
              let sealedKey = readBytes(length: Int(length))
        else { throw fail("sealed key missing or longer than \(Descriptor.maxSealedKeyBytes) bytes") }
        guard let signature = readSignature() else { throw fail("truncated signature") }
        guard readableBytes == 0 else { throw fail("\(readableBytes) unexpected bytes after the signature") }
        return AccessGrant(fileID: fileID, grantee: grantee, sealedKey: sealedKey, owner: owner, signature: signature)
    }
}
