import CairnCrypto
import Testing

struct SealedBoxTests {
    @Test func roundTripToAnIdentity() throws {
        let owner = Identity.generate()
        let fileKey = Random.bytes(32)
        let box = try SealedBox.seal(fileKey, to: owner.publicKey.x25519PublicKey())
        #expect(box.count == fileKey.count + SealedBox.overheadByteCount)
        #expect(try SealedBox.open(box, recipient: owner.x25519KeyPair) == fileKey)
    }

    @Test func emptyMessage() throws {
        let recipient = X25519KeyPair.generate()
        let box = try SealedBox.seal([], to: recipient.publicKey)
        #expect(try SealedBox.open(box, recipient: recipient) == [])
    }

    @Test func sealingTwiceGivesDifferentBoxes() throws {
        let recipient = X25519KeyPair.generate()
        #expect(
            try SealedBox.seal([1, 2, 3], to: recipient.publicKey)
                != SealedBox.seal([1, 2, 3], to: recipient.publicKey))
    }

    @Test func aSeededBoxIsTheSameForTheSameSeedAndOpensLikeAnyOther() throws {
        let recipient = X25519KeyPair.generate()
        let seed = [UInt8](repeating: 7, count: SealedBox.ephemeralSeedByteCount)
        let box = try SealedBox.seal([1, 2, 3], to: recipient.publicKey, ephemeralSeed: seed)
        #expect(box.count == 3 + SealedBox.overheadByteCount)
        #expect(try SealedBox.seal([1, 2, 3], to: recipient.publicKey, ephemeralSeed: seed) == box)
        #expect(try SealedBox.open(box, recipient: recipient) == [1, 2, 3])
        var other = seed
        other[0] = 8
        #expect(try SealedBox.seal([1, 2, 3], to: recipient.publicKey, ephemeralSeed: other) != box)
        #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(box, recipient: .generate()) }
    }

    @Test func wrongRecipientCannotOpen() throws {
        let box = try SealedBox.seal(Random.bytes(32), to: X25519KeyPair.generate().publicKey)
        #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(box, recipient: .generate()) }
    }

    @Test func alteredOrTruncatedBoxesFail() throws {
        let recipient = X25519KeyPair.generate()
        let box = try SealedBox.seal(Array("file key".utf8), to: recipient.publicKey)
        for index in stride(from: 0, to: box.count, by: 7) {
            var altered = box
            altered[index] ^= 0x40
            #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(altered, recipient: recipient) }
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try SealedBox.open(Array(box.dropLast()), recipient: recipient)
        }
        #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open([1, 2, 3], recipient: recipient) }
    }

    @Test func badRecipientKeysAreRefused() {
        #expect(throws: CryptoError.invalidPublicKey) { try SealedBox.seal([1], to: [1, 2, 3]) }
        #expect(throws: CryptoError.invalidPublicKey) { try SealedBox.seal([1], to: [UInt8](repeating: 0, count: 32)) }
    }
}
