import CairnCrypto
import Testing

struct X25519KeyPairTests {
    // RFC 7748 §6.1.
    static let alicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    static let alicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    static let bobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
    static let bobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    static let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

    @Test func rfc7748() throws {
        let alice = try #require(X25519KeyPair(secretKey: bytes(hex: Self.alicePrivate)))
        let bob = try #require(X25519KeyPair(secretKey: bytes(hex: Self.bobPrivate)))
        #expect(hex(alice.publicKey) == Self.alicePublic)
        #expect(hex(bob.publicKey) == Self.bobPublic)
        #expect(hex(try alice.sharedSecret(with: bob.publicKey)) == Self.shared)
        #expect(hex(try bob.sharedSecret(with: alice.publicKey)) == Self.shared)
    }

    @Test func generatedPairsAgree() throws {
        let a = X25519KeyPair.generate()
        let b = X25519KeyPair.generate()
        #expect(a.publicKey != b.publicKey)
        #expect(try a.sharedSecret(with: b.publicKey) == b.sharedSecret(with: a.publicKey))
    }

    // Points of small order all give an all-zero secret; a peer sending one wants us to use a known key.
    @Test(arguments: [
        String(repeating: "00", count: 32),
        "01" + String(repeating: "00", count: 31),
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func lowOrderPointsAreRefused(point: String) {
        let pair = X25519KeyPair.generate()
        #expect(throws: CryptoError.invalidPublicKey) { try pair.sharedSecret(with: bytes(hex: point)) }
    }

    @Test func lengthsAreChecked() {
        #expect(X25519KeyPair(secretKey: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(throws: CryptoError.invalidPublicKey) { try X25519KeyPair.generate().sharedSecret(with: [1, 2, 3]) }
    }
}
