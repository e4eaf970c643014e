import CairnAPI
import Testing

@Suite struct ByteRangeRequestTests {
    /// RFC 9110 §14.1.2 examples and edges, on a 10 000-byte file.
    @Test(arguments: [
        (nil, ByteRangeRequest.whole),
        ("bytes=0-499", .partial(0...499)),
        ("bytes=500-999", .partial(500...999)),
        ("bytes=-500", .partial(9500...9999)),
        ("bytes=9500-", .partial(9500...9999)),
        ("bytes=0-0", .partial(0...0)),
        ("bytes=-1", .partial(9999...9999)),
        ("bytes=0-", .partial(0...9999)),
        ("bytes=-20000", .partial(0...9999)),
        ("bytes=9000-20000", .partial(9000...9999)),
        ("Bytes = 5-9", .partial(5...9)),
        ("bytes=5-9 ", .partial(5...9)),
        ("bytes=10000-", .unsatisfiable),
        ("bytes=10000-10005", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=99999999999999999999999-", .unsatisfiable),
        // Ignored: the whole file with 200, as RFC 9110 §14.2 allows.
        ("bytes=0-1,5-6", .whole),
        ("bytes=5-4", .whole),
        ("bytes=a-b", .whole),
        ("bytes=5", .whole),
        ("bytes=", .whole),
        ("items=0-5", .whole),
        ("bytes 0-5", .whole),
        ("bytes=+5-9", .whole),
        ("bytes=--5", .whole),
    ] as [(String?, ByteRangeRequest)])
    func rangesOfATenThousandByteFile(header: String?, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 10_000) == expected)
    }

    @Test func anEmptyFileSatisfiesNoRange() {
        #expect(ByteRangeRequest(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-5", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: nil, size: 0) == .whole)
    }
}
