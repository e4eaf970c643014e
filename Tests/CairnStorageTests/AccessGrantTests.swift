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

    /// The bytes the format comment describes, field by field: grants already stored stay readable.
    @Test func encodingFollowsTheDocumentedLayout() throws {
        let fileID = Key256(w0: 1, w1: 2, w2: 3, w3: 4)
        let grantee = Identity.generate().publicKey
        let owner = Identity.generate().publicKey
        let grant = AccessGrant(fileID: fileID, grantee: grantee, sealedKey: [9, 8, 7], owner: owner,
                                signature: [UInt8](repeating: 0x5A, count: 64))
        var fileIDBytes: [UInt8] = []
        for word in [UInt64(1), 2, 3, 4] { withUnsafeBytes(of: word.bigEndian) { fileIDBytes += $0 } }
        let body: [UInt8] = [1] + fileIDBytes + grantee.bytes + owner.bytes + [0, 3, 9, 8, 7]
        #expect(grant.encoded() == body + [UInt8](repeating: 0x5A, count: 64))
        let domain = Array("cairn/access-grant/v1".utf8)
        #expect(grant.signingBytes == [0, UInt8(domain.count)] + domain + body)
        #expect(try AccessGrant(decoding: grant.encoded()) == grant)
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
