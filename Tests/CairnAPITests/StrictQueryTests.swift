@testable import CairnAPI
import Testing

@Suite struct StrictQueryTests {
    @Test func decodesPercentEscapesToUTF8() throws {
        #expect(try StrictQuery.value("name", in: "k=2&name=caf%C3%A9%20menu.txt&n=4") == "café menu.txt")
        #expect(try StrictQuery.value("name", in: "name=%E2%80%AEtxt.exe") == "\u{202E}txt.exe")
        #expect(try StrictQuery.value("name", in: "name=a+b") == "a+b")
        #expect(try StrictQuery.value("name", in: "name=") == "")
        #expect(try StrictQuery.value("name", in: "k=2") == nil)
        #expect(try StrictQuery.value("name", in: nil) == nil)
        #expect(try StrictQuery.value("name", in: "name=first&name=second") == "first")
    }

    @Test(arguments: ["name=%FF", "name=ab%C3", "name=%C3%28", "name=%ED%A0%80", "name=%F8%88%80%80%80", "name=%C0%AF"])
    func invalidUTF8IsRefusedWithTheOffendingBytes(query: String) {
        let error = #expect(throws: APIError.self) { try StrictQuery.value("name", in: query) }
        #expect(error?.status == .badRequest)
        #expect(error?.message.contains("not valid UTF-8") == true, "\(error?.message ?? "")")
    }

    @Test(arguments: ["name=%", "name=%4", "name=%zz", "name=abc%2"])
    func malformedEscapesAreRefused(query: String) {
        let error = #expect(throws: APIError.self) { try StrictQuery.value("name", in: query) }
        #expect(error?.message.contains("percent-escape") == true)
    }

    @Test func theOffsetOfTheFirstInvalidByte() {
        #expect(StrictQuery.firstInvalidUTF8(Array("abc".utf8)) == nil)
        #expect(StrictQuery.firstInvalidUTF8(Array("é".utf8) + [0xFF]) == 2)
        #expect(StrictQuery.firstInvalidUTF8([0x41, 0xC3]) == 1)
    }
}
