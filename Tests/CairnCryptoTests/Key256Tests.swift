import CairnCrypto
import Testing

struct Key256Tests {
    @Test func bytesAndHexRoundTrip() throws {
        let raw = Array(0..<32).map { UInt8($0 * 7 + 1) }
        let key = try #require(Key256(bytes: raw))
        #expect(key.bytes == raw)
        #expect(key.hex == hex(raw))
        #expect(Key256(hex: key.hex) == key)
        #expect(Key256(hex: key.hex.uppercased()) == key)
        #expect(key.shortHex == String(hex(raw).prefix(8)))
        #expect(key.description == key.hex)
    }

    @Test func wordsAreBigEndian() throws {
        let key = try #require(Key256(hex: "0102030405060708" + String(repeating: "00", count: 23) + "ff"))
        #expect(key.w0 == 0x0102_0304_0506_0708)
        #expect(key.w3 == 0xff)
    }

    @Test(arguments: [
        "", "00", String(repeating: "0", count: 63), String(repeating: "0", count: 65),
        String(repeating: "g", count: 64), String(repeating: "0", count: 62) + " 0",
    ])
    func badHexIsRefused(text: String) {
        #expect(Key256(hex: text) == nil)
    }

    @Test func wrongByteCountIsRefused() {
        #expect(Key256(bytes: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(Key256(bytes: [UInt8](repeating: 0, count: 33)) == nil)
    }

    @Test func xorDistance() throws {
        let a = Random.key256()
        let b = Random.key256()
        #expect(a.distance(to: a) == .zero)
        #expect(a.distance(to: b) == b.distance(to: a))
        #expect(a.distance(to: b).distance(to: b) == a)
        let expected = zip(a.bytes, b.bytes).map { $0 ^ $1 }
        #expect(a.distance(to: b).bytes == expected)
    }

    @Test func prefixLengths() throws {
        #expect(Key256.zero.leadingZeroBitCount == 256)
        let top = try #require(Key256(hex: "80" + String(repeating: "00", count: 31)))
        #expect(top.leadingZeroBitCount == 0)
        let last = try #require(Key256(hex: String(repeating: "00", count: 31) + "01"))
        #expect(last.leadingZeroBitCount == 255)
        let mid = try #require(
            Key256(hex: String(repeating: "00", count: 8) + "01" + String(repeating: "00", count: 23)))
        #expect(mid.leadingZeroBitCount == 71)
        #expect(top.commonPrefixLength(with: top) == 256)
        #expect(top.commonPrefixLength(with: .zero) == 0)
        #expect(last.commonPrefixLength(with: .zero) == 255)
    }

    @Test func orderIsUnsignedBigEndian() throws {
        let small = try #require(Key256(hex: "00ff" + String(repeating: "ff", count: 30)))
        let big = try #require(Key256(hex: "0100" + String(repeating: "00", count: 30)))
        #expect(small < big)
        #expect(!(big < small))
        let sorted = [big, .zero, small].sorted()
        #expect(sorted == [.zero, small, big])
    }
}
