import CairnCrypto
import Testing

struct HKDFTests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var ikm: [UInt8]
        var salt: [UInt8]
        var info: [UInt8]
        var length: Int
        var okm: String
        var description: String { name }
    }

    // RFC 5869 appendix A, test cases 1 to 3 (SHA-256).
    static let vectors: [Vector] = [
        Vector(
            name: "A.1", ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c), info: Array(0xf0...0xf9),
            length: 42,
            okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Vector(
            name: "A.2", ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82,
            okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
                + "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        Vector(
            name: "A.3", ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42,
            okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
    ]

    @Test(arguments: vectors)
    func rfc5869(_ vector: Vector) {
        let okm = HKDF.sha256(
            inputKeyMaterial: vector.ikm, salt: vector.salt, info: vector.info, outputByteCount: vector.length)
        #expect(hex(okm) == vector.okm)
    }

    @Test func outputIsAPrefixOfLongerOutput() {
        let long = HKDF.sha256(inputKeyMaterial: [1, 2, 3], salt: [4], info: [5], outputByteCount: 100)
        let short = HKDF.sha256(inputKeyMaterial: [1, 2, 3], salt: [4], info: [5], outputByteCount: 33)
        #expect(Array(long.prefix(33)) == short)
        #expect(HKDF.sha256(inputKeyMaterial: [1], salt: [], info: [], outputByteCount: 0).isEmpty)
        #expect(
            HKDF.sha256(inputKeyMaterial: [1], salt: [], info: [], outputByteCount: HKDF.maxOutputByteCount).count
                == 8160)
    }

    // RFC 4231 test case 2: a short key.
    @Test func hmacKnownAnswer() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
