import CairnCrypto
import Testing

struct AESGCMTests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var key: String
        var iv: String
        var plaintext: String
        var aad: String
        var sealed: String
        var description: String { name }
    }

    // McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16 (the AES-256 ones).
    static let vectors: [Vector] = [
        Vector(
            name: "MV13", key: String(repeating: "00", count: 32), iv: String(repeating: "00", count: 12),
            plaintext: "", aad: "", sealed: "530f8afbc74536b9a963b4f1c4cb738b"),
        Vector(
            name: "MV14", key: String(repeating: "00", count: 32), iv: String(repeating: "00", count: 12),
            plaintext: String(repeating: "00", count: 16), aad: "",
            sealed: "cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919"),
        Vector(
            name: "MV16", key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            sealed: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                + "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    @Test(arguments: vectors)
    func knownAnswers(_ vector: Vector) throws {
        let gcm = try AESGCM(key: bytes(hex: vector.key))
        let sealed = try gcm.seal(
            bytes(hex: vector.plaintext), nonce: bytes(hex: vector.iv), aad: bytes(hex: vector.aad))
        #expect(hex(sealed) == vector.sealed.filter { $0 != " " })
        let opened = try gcm.open(sealed, nonce: bytes(hex: vector.iv), aad: bytes(hex: vector.aad))
        #expect(opened == bytes(hex: vector.plaintext))
    }

    @Test func tamperingIsDetected() throws {
        let gcm = try AESGCM(key: Random.bytes(32))
        let nonce = Random.bytes(12)
        let sealed = try gcm.seal(Array("segment 3".utf8), nonce: nonce, aad: [1, 2, 3])
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) { try gcm.open(altered, nonce: nonce, aad: [1, 2, 3]) }
        }
        #expect(throws: CryptoError.authenticationFailed) { try gcm.open(sealed, nonce: nonce, aad: [1, 2, 4]) }
        #expect(throws: CryptoError.authenticationFailed) {
            try gcm.open(sealed, nonce: Random.bytes(12), aad: [1, 2, 3])
        }
        #expect(throws: CryptoError.authenticationFailed) { try gcm.open(Array(sealed.prefix(15)), nonce: nonce) }
    }

    /// One context keyed once serves many messages, seals and opens interleaved, and a failed check between
    /// them: every answer is the one a fresh context gives.
    @Test func oneContextServesInterleavedMessagesAsFreshOnesDo() throws {
        let key = Random.bytes(32)
        let shared = try AESGCM(key: key)
        for round in 0..<20 {
            let nonce = Random.bytes(12)
            let plaintext = Random.bytes(round * 37)
            let aad: [UInt8] = round.isMultiple(of: 3) ? [] : [UInt8(round)]
            let sealed = try shared.seal(plaintext, nonce: nonce, aad: aad)
            #expect(sealed == (try AESGCM(key: key).seal(plaintext, nonce: nonce, aad: aad)))
            if round.isMultiple(of: 4), !sealed.isEmpty {
                var altered = sealed
                altered[0] ^= 1
                #expect(throws: CryptoError.authenticationFailed) { try shared.open(altered, nonce: nonce, aad: aad) }
            }
            #expect(try shared.open(sealed, nonce: nonce, aad: aad) == plaintext)
            #expect(try shared.open(sealed, nonce: nonce, aad: aad) == plaintext, "opened twice in a row")
        }
    }

    @Test func keyAndNonceLengthsAreChecked() throws {
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, got: 16)) { try AESGCM(key: Random.bytes(16)) }
        let gcm = try AESGCM(key: Random.bytes(32))
        #expect(throws: CryptoError.invalidNonceLength(expected: 12, got: 8)) {
            try gcm.seal([1], nonce: Random.bytes(8))
        }
    }
}
