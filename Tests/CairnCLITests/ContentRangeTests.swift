@testable import cairn
import Testing

@Suite struct ContentRangeTests {
    @Test func parsesASatisfiedRange() throws {
        let range = try #require(ContentRange("bytes 100-199/1000"))
        #expect(range.first == 100 && range.last == 199 && range.size == 1000)
    }

    @Test(arguments: ["bytes */1000", "bytes 5-1/10", "items 0-1/2", "bytes 0-1", "bytes a-b/c", ""])
    func refusesAnythingElse(header: String) {
        #expect(ContentRange(header) == nil)
    }
}
