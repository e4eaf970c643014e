import CairnCrypto
import CairnStorage
import Foundation
import Testing

@Suite struct ReadCapabilityTests {
    @Test func roundTripInBase64URLAndHex() throws {
        let capability = ReadCapability(fileID: Random.key256(), fileKey: .random())
        let text = capability.description
        #expect(text.hasPrefix("cairn:" + capability.fileID.hex + ":"))
        #expect(text.count == 6 + 64 + 1 + 43)
        #expect(try ReadCapability(parsing: text) == capability)
        #expect(try ReadCapability(parsing: "  " + text + "\n") == capability)
        let hexKey = Key256(bytes: capability.fileKey.bytes)!.hex
        #expect(try ReadCapability(parsing: "cairn:\(capability.fileID.hex):\(hexKey)") == capability)
        #expect(try ReadCapability(parsing: "CAIRN:\(capability.fileID.hex.uppercased()):\(hexKey)") == capability)
    }

    @Test func knownAnswer() throws {
        let key = FileKey(bytes: Array(0..<32))!
        let capability = ReadCapability(fileID: Key256(bytes: [UInt8](repeating: 0xab, count: 32))!, fileKey: key)
        #expect(capability.description
            == "cairn:" + String(repeating: "ab", count: 32) + ":AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
    }

    static let id = String(repeating: "0f", count: 32)
    static let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

    @Test(arguments: [
        "", "cairn", "cairn:", "cairn::", "http:\(id):\(key)", "cairn:\(id)", "cairn:\(id):\(key):extra",
        "cairn:\(id.dropLast()):\(key)", "cairn:\(id)0:\(key)",
        "cairn:\(id.replacingOccurrences(of: "f", with: "g")):\(key)",
        "cairn:\(id):\(key.dropLast())", "cairn:\(id):\(key)A",
        "cairn:\(id):\(key.replacingOccurrences(of: "Q", with: "+"))",
        "cairn:\(id):\(key)=", "cairn:\(id):\(String(repeating: "z", count: 64))",
        "cairn:\(id):AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",
    ])
    func malformedStringsAreRefused(text: String) {
        #expect(throws: StorageError.self) { try ReadCapability(parsing: text) }
    }

    @Test func errorsSayWhichPartIsWrong() {
        #expect(throws: StorageError.invalidCapability("it must start with \"cairn:\"")) {
            try ReadCapability(parsing: "http:\(Self.id):\(Self.key)")
        }
        let error = #expect(throws: StorageError.self) { try ReadCapability(parsing: "cairn:abc:\(Self.key)") }
        #expect(error?.description.contains("file ID") == true)
    }
}
