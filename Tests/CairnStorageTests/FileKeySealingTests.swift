import CairnCrypto
import CairnStorage
import Testing

/// The whole owner-side story with real keys: put, seal the key to the owner, sign, ship the descriptor's bytes;
/// then the owner, a grantee and a capability holder each get the file back.
@Suite struct FileKeySealingTests {
    @Test func ownerGranteeAndCapabilityHolderCanAllReadTheFile() throws {
        let owner = Identity.generate()
        let data = pseudoRandomBytes(150_000, seed: 77)
        let put = try putFile(data, parameters: .init(segmentSize: 64 << 10, k: 4, n: 8), owner: owner)

        // What travels: the descriptor's bytes, addressed by their hash.
        let wire = put.descriptor.encoded()
        let fetched = try Descriptor(decoding: wire)
        #expect(fetched.verifySignature())
        #expect(fetched.fileID == SHA256.hash(wire))

        // The owner opens the key from the descriptor, and the key opens the name.
        let ownerKey = try FileKey(opening: fetched.sealedKey, with: owner)
        #expect(ownerKey == put.fileKey)
        #expect(try fetched.metadata(with: ownerKey).name == "report.pdf")
        var reading = put
        reading.descriptor = fetched
        #expect(try getFile(reading, key: ownerKey) { _ in [1, 3, 5, 7] } == data)

        // A grantee opens the key from a grant the owner signed for this file.
        let grantee = Identity.generate()
        let grant = try AccessGrant(fileID: fetched.fileID, grantee: grantee.publicKey,
                                    sealedKey: try ownerKey.sealed(to: grantee.publicKey), owner: owner)
        let received = try AccessGrant(decoding: grant.encoded())
        #expect(received.verify(against: fetched))
        #expect(try FileKey(opening: received.sealedKey, with: grantee) == put.fileKey)
        // A grant for this file does not pass for another description of the same bytes.
        #expect(!received.verify(against: try put.descriptor(owner: owner, name: "other.pdf")))

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
