import CairnCrypto
import Testing

struct IdentityTests {
    // RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
    @Test(arguments: [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
    ])
    func rfc8032(seed: String, publicKey: String, message: String, signature: String) throws {
        let identity = try #require(Identity(seed: bytes(hex: seed)))
        #expect(hex(identity.publicKey.bytes) == publicKey)
        #expect(identity.seed == bytes(hex: seed))
        let signed = identity.sign(bytes(hex: message))
        #expect(hex(signed) == signature)
        #expect(identity.publicKey.verify(signature: signed, message: bytes(hex: message)))
        #expect(identity.peerID == SHA256.hash(identity.publicKey.bytes))
    }

    @Test func signAndVerify() {
        let identity = Identity.generate()
        let message = Array("store shard 7 until epoch 12".utf8)
        let signature = identity.sign(message)
        #expect(identity.publicKey.verify(signature: signature, message: message))

        var alteredMessage = message
        alteredMessage[0] ^= 1
        #expect(!identity.publicKey.verify(signature: signature, message: alteredMessage))

        var alteredSignature = signature
        alteredSignature[10] ^= 0x80
        #expect(!identity.publicKey.verify(signature: alteredSignature, message: message))

        #expect(!Identity.generate().publicKey.verify(signature: signature, message: message))
        #expect(!identity.publicKey.verify(signature: Array(signature.prefix(63)), message: message))
    }

    @Test func seedLengthIsChecked() {
        #expect(Identity(seed: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(Identity(seed: [UInt8](repeating: 1, count: 33)) == nil)
        #expect(PublicKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
    }

    @Test func sameSeedSameIdentity() throws {
        let seed = [UInt8](repeating: 7, count: 32)
        let a = try #require(Identity(seed: seed))
        let b = try #require(Identity(seed: seed))
        #expect(a.publicKey == b.publicKey)
        #expect(a.peerID == b.peerID)
    }

    @Test func x25519FormsAgree() throws {
        let identity = Identity.generate()
        let pair = identity.x25519KeyPair
        #expect(pair.publicKey == (try identity.publicKey.x25519PublicKey()))
        // Two identities agree on a Diffie-Hellman secret through their converted keys.
        let other = Identity.generate()
        let ab = try pair.sharedSecret(with: other.publicKey.x25519PublicKey())
        let ba = try other.x25519KeyPair.sharedSecret(with: identity.publicKey.x25519PublicKey())
        #expect(ab == ba)
    }

    @Test func x25519ConversionRefusesNonPoints() throws {
        // y = 1 encodes the neutral element, a small-order point that libsodium refuses to convert.
        var notAPoint = [UInt8](repeating: 0, count: 32)
        notAPoint[0] = 1
        let key = try #require(PublicKey(bytes: notAPoint))
        #expect(throws: CryptoError.invalidPublicKey) { try key.x25519PublicKey() }
    }
}
