/// Which segments hold a byte range of a file, and how much of the first one comes before the range: a range
/// request fetches only those segments instead of the file up to the range.
struct SegmentSpan: Hashable, Sendable {
    var segments: Range<Int>
    /// Bytes of the first segment's plaintext before the range starts.
    var skip: Int
    /// Bytes to send.
    var length: UInt64

    /// `lengths` are the segments' plaintext lengths in order; `range` lies within their sum.
    init(lengths: [Int], range: ClosedRange<UInt64>) {
        var offset: UInt64 = 0
        var first: Int?
        var skip = 0
        var end = lengths.count
        for (index, length) in lengths.enumerated() {
            let next = offset + UInt64(length)
            if first == nil, range.lowerBound < next {
                first = index
                skip = Int(range.lowerBound - offset)
            }
            if range.upperBound < next {
                end = index + 1
                break
            }
            offset = next
        }
        let start = first ?? lengths.count
        self.segments = start..<max(start, end)
        self.skip = skip
        self.length = range.upperBound - range.lowerBound + 1
    }
}
