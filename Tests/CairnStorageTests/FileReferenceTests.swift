import CairnCrypto
import CairnStorage
import Testing

/// One parser for every entry point (issue 6, item 11): what the capability parser accepts, `get`, the API
/// path and `rm` accept too.
@Suite struct FileReferenceTests {
    static let capability = ReadCapability(fileID: Key256(bytes: [UInt8](repeating: 0xab, count: 32))!,
                                           fileKey: FileKey(bytes: Array(0..<32))!)
    static let text = capability.description
    static let id = capability.fileID.hex

    @Test(arguments: [
        text, "  " + text, text + "\n", "\t" + text + " \r\n",
        text.replacingOccurrences(of: "cairn:", with: "CAIRN:"),
        text.replacingOccurrences(of: "cairn:", with: "Cairn:"),
        "CAIRN:\(id.uppercased()):\(Key256(bytes: Array(0..<32))!.hex.uppercased())",
        "\u{00A0}" + text + "\u{2003}",
    ])
    func capabilitiesInAnyCaseAndWithSurroundingWhitespace(text: String) throws {
        #expect(try FileReference(parsing: text) == .capability(Self.capability))
    }

    @Test(arguments: [id, id.uppercased(), " \(id)\n", "\t\(id)"])
    func fileIDs(text: String) throws {
        #expect(try FileReference(parsing: text) == .fileID(Self.capability.fileID))
    }

    @Test func theCanonicalFormIsLowerCaseAndTrimmed() throws {
        let shouted = Self.text.replacingOccurrences(of: "cairn:\(Self.id)", with: "CAIRN:\(Self.id.uppercased())")
        let parsed = try FileReference(parsing: " \(shouted)\n")
        #expect(parsed.description == Self.text)
        #expect(parsed.fileID == Self.capability.fileID)
        #expect(try FileReference(parsing: Self.id.uppercased()).description == Self.id)
    }

    @Test(arguments: ["", "   ", "not-an-id", String(id.dropLast()), id + "0", "\(id) \(id)", "cairn \(id)"])
    func neitherAnIDNorACapability(text: String) {
        let error = #expect(throws: StorageError.self) { try FileReference(parsing: text) }
        #expect(error?.description.contains("neither a file ID") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func aBrokenCapabilitySaysWhichPartIsWrong() {
        let error = #expect(throws: StorageError.self) { try FileReference(parsing: "cairn:\(Self.id):short") }
        #expect(error?.description.contains("file key") == true)
        let scheme = #expect(throws: StorageError.self) { try FileReference(parsing: "http:\(Self.id):x") }
        #expect(scheme?.description.contains("must start with") == true)
    }
}
