import CairnCrypto
import CairnStorage
import Testing

@Suite struct SegmentCipherTests {
    let key = FileKey.random()
    let nonce = Random.key256()

    @Test func sealOpenRoundTripAppendsTheTag() throws {
        let cipher = try SegmentCipher(key: key, fileNonce: nonce)
        let plaintext = pseudoRandomBytes(1000, seed: 1)
        let sealed = try cipher.seal(plaintext, segment: 7)
        #expect(sealed.count == plaintext.count + 16)
        #expect(Array(sealed.prefix(1000)) != plaintext)
        #expect(try cipher.open(sealed, segment: 7) == plaintext)
    }

    @Test func nonceComesFromTheSegmentIndexUnderOneKey() throws {
        // Same key and plaintext, different index: different ciphertext (a different nonce).
        let cipher = try SegmentCipher(key: key, fileNonce: nonce)
        let plaintext = [UInt8](repeating: 0, count: 64)
        #expect(try cipher.seal(plaintext, segment: 0) != cipher.seal(plaintext, segment: 1))
        #expect(try cipher.seal(plaintext, segment: 3) == cipher.seal(plaintext, segment: 3))
    }

    @Test func wrongIndexFileNonceOrKeyFailAuthentication() throws {
        let cipher = try SegmentCipher(key: key, fileNonce: nonce)
        let sealed = try cipher.seal(pseudoRandomBytes(300, seed: 2), segment: 5)
        #expect(throws: StorageError.authenticationFailed(segment: 6)) { try cipher.open(sealed, segment: 6) }
        let otherFile = try SegmentCipher(key: key, fileNonce: Random.key256())
        #expect(throws: StorageError.authenticationFailed(segment: 5)) { try otherFile.open(sealed, segment: 5) }
        let otherKey = try SegmentCipher(key: .random(), fileNonce: nonce)
        #expect(throws: StorageError.authenticationFailed(segment: 5)) { try otherKey.open(sealed, segment: 5) }
    }

    @Test func tamperedOrTruncatedCiphertextFails() throws {
        let cipher = try SegmentCipher(key: key, fileNonce: nonce)
        var sealed = try cipher.seal(pseudoRandomBytes(300, seed: 3), segment: 0)
        // Dropping a byte changes the plaintext length the associated data binds.
        #expect(throws: StorageError.authenticationFailed(segment: 0)) {
            try cipher.open(Array(sealed.dropLast()), segment: 0)
        }
        #expect(throws: StorageError.authenticationFailed(segment: 0)) { try cipher.open([1, 2, 3], segment: 0) }
        sealed[17] ^= 0x01
        #expect(throws: StorageError.authenticationFailed(segment: 0)) { try cipher.open(sealed, segment: 0) }
    }
}
