import CairnCrypto
import CairnStorage
import Testing

/// The whole owner-side story with real keys: put, seal the key to the owner, sign, ship the manifest bytes;
/// then the owner, a grantee and a capability holder each get the file back.
@Suite struct FileKeySealingTests {
    @Test func ownerGranteeAndCapabilityHolderCanAllReadTheFile() throws {
        let owner = Identity.generate()
        let data = pseudoRandomBytes(150_000, seed: 77)
        var put = try putFile(data, parameters: .init(segmentSize: 64 << 10, k: 4, n: 8), owner: owner)
        put.manifest.sealedKey = try put.fileKey.sealed(to: owner.publicKey)
        try put.manifest.sign(with: owner)

        // What travels: the manifest's bytes, addressed by their hash.
        let wire = put.manifest.encoded()
        let fetched = try Manifest(decoding: wire)
        #expect(fetched.verifySignature())
        #expect(fetched.fileID == SHA256.hash(wire))

        // The owner opens the key from the manifest.
        let ownerKey = try FileKey(opening: fetched.sealedKey, with: owner)
        #expect(ownerKey == put.fileKey)
        var reading = put
        reading.manifest = fetched
        #expect(try getFile(reading, key: ownerKey) { _ in [1, 3, 5, 7] } == data)

        // A grantee opens the key from a grant the owner signed for this file.
        let grantee = Identity.generate()
        let grant = try AccessGrant(fileID: fetched.fileID, grantee: grantee.publicKey,
                                    sealedKey: try ownerKey.sealed(to: grantee.publicKey), owner: owner)
        let received = try AccessGrant(decoding: grant.encoded())
        #expect(received.verify(against: try put.descriptor(owner: owner)) == false, "another file's descriptor")
        let descriptor = try put.descriptor(owner: owner)
        let forThis = try AccessGrant(fileID: descriptor.fileID, grantee: grantee.publicKey,
                                      sealedKey: try ownerKey.sealed(to: grantee.publicKey), owner: owner)
        #expect(forThis.verify(against: descriptor))
        #expect(try FileKey(opening: received.sealedKey, with: grantee) == put.fileKey)

        // Nobody else can open either box.
        let stranger = Identity.generate()
        #expect(throws: StorageError.crypto(.authenticationFailed)) {
            try FileKey(opening: fetched.sealedKey, with: stranger)
        }
        #expect(throws: StorageError.crypto(.authenticationFailed)) {
            try FileKey(opening: received.sealedKey, with: stranger)
        }

        // A capability string carries both halves.
        let text = ReadCapability(fileID: fetched.fileID, fileKey: ownerKey).description
        let capability = try ReadCapability(parsing: text)
        #expect(capability.fileID == fetched.fileID)
        #expect(try getFile(reading, key: capability.fileKey) { _ in [0, 2, 4, 6] } == data)
    }
}
