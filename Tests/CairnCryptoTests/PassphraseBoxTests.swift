import CairnCrypto
import Testing

struct PassphraseBoxTests {
    /// Cheap enough that the suite stays fast; the format records it, so `open` needs no hint.
    static let cheap = PassphraseBox.Cost(opsLimit: 1, memoryLimit: 64 * 1024)!

    @Test func rightPassphraseOpens() throws {
        let seed = Random.bytes(32)
        let blob = PassphraseBox.seal(seed, passphrase: "correct horse battery staple", cost: Self.cheap)
        #expect(try PassphraseBox.open(blob, passphrase: "correct horse battery staple") == seed)
    }

    @Test func defaultCostIsModerate() throws {
        let blob = PassphraseBox.seal([42], passphrase: "pässwörd ✓")
        #expect(Array(blob.prefix(8)) == Array("cairn-pb".utf8))
        #expect(try PassphraseBox.open(blob, passphrase: "pässwörd ✓") == [42])
        #expect(throws: CryptoError.wrongPassphrase) { try PassphraseBox.open(blob, passphrase: "passwörd ✓") }
    }

    @Test(arguments: [
        "", "Correct horse battery staple", "correct horse battery stapl", "correct horse battery staple ",
    ])
    func wrongPassphraseFails(passphrase: String) {
        let blob = PassphraseBox.seal(Random.bytes(32), passphrase: "correct horse battery staple", cost: Self.cheap)
        #expect(throws: CryptoError.wrongPassphrase) { try PassphraseBox.open(blob, passphrase: passphrase) }
    }

    @Test func emptyPassphraseWorksToo() throws {
        let blob = PassphraseBox.seal([1, 2, 3], passphrase: "", cost: Self.cheap)
        #expect(try PassphraseBox.open(blob, passphrase: "") == [1, 2, 3])
    }

    @Test func everyHeaderAndBodyByteIsAuthenticated() throws {
        let blob = PassphraseBox.seal([9, 9, 9], passphrase: "pw", cost: Self.cheap)
        // Every byte of the header (including the cost) and the ciphertext matters.
        for index in blob.indices {
            var altered = blob
            altered[index] ^= 0x01
            #expect(throws: CryptoError.wrongPassphrase) { try PassphraseBox.open(altered, passphrase: "pw") }
        }
        #expect(throws: CryptoError.wrongPassphrase) {
            try PassphraseBox.open(Array(blob.dropLast()), passphrase: "pw")
        }
        #expect(throws: CryptoError.wrongPassphrase) { try PassphraseBox.open([], passphrase: "pw") }
    }

    @Test func blobsAskingForTooMuchMemoryAreRefusedBeforeHashing() {
        var blob = PassphraseBox.seal([1], passphrase: "pw", cost: Self.cheap)
        // Memory limit (offset 14, 8 bytes) set to 2^62 bytes.
        for index in 14..<22 { blob[index] = 0 }
        blob[14] = 0x40
        #expect(throws: CryptoError.wrongPassphrase) { try PassphraseBox.open(blob, passphrase: "pw") }
    }

    @Test func costBoundsAreChecked() {
        #expect(PassphraseBox.Cost(opsLimit: 0, memoryLimit: 64 * 1024) == nil)
        #expect(PassphraseBox.Cost(opsLimit: 1, memoryLimit: 1) == nil)
        #expect(PassphraseBox.Cost(opsLimit: 100, memoryLimit: 64 * 1024) == nil)
        #expect(PassphraseBox.Cost.moderate.memoryLimit == 256 * 1024 * 1024)
    }
}
