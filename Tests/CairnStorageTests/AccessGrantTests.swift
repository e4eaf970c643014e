import CairnCrypto
import CairnStorage
import Testing

@Suite struct AccessGrantTests {
    @Test func signedGrantRoundTripsAndVerifies() throws {
        let owner = Identity.generate()
        let grantee = Identity.generate().publicKey
        let grant = try AccessGrant(fileID: Random.key256(), grantee: grantee, sealedKey: Random.bytes(80),
                                    owner: owner)
        #expect(grant.verifySignature())
        let decoded = try AccessGrant(decoding: grant.encoded())
        #expect(decoded == grant)
        #expect(decoded.verifySignature())
    }

    @Test func grantIsCheckedAgainstTheDescriptorItNames() throws {
        let owner = Identity.generate()
        let put = try putFile(pseudoRandomBytes(3_000, seed: 31), parameters: .init(segmentSize: 4096, k: 2, n: 3),
                              owner: owner)
        let descriptor = try put.descriptor(owner: owner)
        let grantee = Identity.generate().publicKey
        let grant = try AccessGrant(fileID: descriptor.fileID, grantee: grantee, sealedKey: Random.bytes(80),
                                    owner: owner)
        #expect(grant.verify(against: descriptor))
        let stranger = try AccessGrant(fileID: descriptor.fileID, grantee: grantee, sealedKey: Random.bytes(80),
                                       owner: .generate())
        #expect(stranger.verifySignature())
        #expect(!stranger.verify(against: descriptor))
    }

    @Test func forgedAndMalformedGrantsAreRefused() throws {
        let grant = try AccessGrant(fileID: Random.key256(), grantee: Identity.generate().publicKey,
                                    sealedKey: Random.bytes(80), owner: .generate())
        var redirected = grant
        redirected.grantee = Identity.generate().publicKey
        #expect(!redirected.verifySignature())
        var otherFile = grant
        otherFile.fileID = Random.key256()
        #expect(!otherFile.verifySignature())

        let bytes = grant.encoded()
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self) { try AccessGrant(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: StorageError.self) { try AccessGrant(decoding: bytes + [1]) }
        var wrongVersion = bytes
        wrongVersion[0] = 2
        #expect(throws: StorageError.malformedAccessGrant("format version 2 is not supported")) {
            try AccessGrant(decoding: wrongVersion)
        }
    }
}
