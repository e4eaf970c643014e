@testable import CairnAPI
import Testing

@Suite struct SegmentSpanTests {
    static let lengths = [100, 100, 100, 50]

    @Test(arguments: [
        (0...349 as ClosedRange<UInt64>, 0..<4, 0),
        (0...0, 0..<1, 0),
        (99...100, 0..<2, 99),
        (100...199, 1..<2, 0),
        (150...320, 1..<4, 50),
        (349...349, 3..<4, 49),
        (300...349, 3..<4, 0),
    ])
    func onlyTheSegmentsHoldingTheRange(range: ClosedRange<UInt64>, segments: Range<Int>, skip: Int) {
        let span = SegmentSpan(lengths: Self.lengths, range: range)
        #expect(span.segments == segments)
        #expect(span.skip == skip)
        #expect(span.length == range.upperBound - range.lowerBound + 1)
    }
}
