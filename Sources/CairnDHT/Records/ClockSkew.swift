import CairnWire

/// How far this peer's clock is from the network's, judged from other peers' clocks (issue 6, item 7).
///
/// Each sample is one exchange: the remote's clock when it answered, against the midpoint of the local send
/// and receive times. The median of several peers resists one wrong remote clock; a put checks it before
/// uploading anything, because records its clock signs outside every receiver's window would be refused
/// only once all the shards are placed.
public struct ClockSkew: Hashable, Sendable {
    /// Remote clock minus local clock, per peer.
    public private(set) var offsets: [Duration] = []

    public init() {}

    /// Records one exchange: sent and received on the local clock, `remote` the peer's clock in its answer.
    public mutating func add(sent: Instant, received: Instant, remote: Instant) {
        let midpoint = sent + (received - sent) / 2
        offsets.append(remote - midpoint)
    }

    /// Records an offset measured elsewhere (remote clock minus local clock).
    public mutating func add(offset: Duration) {
        offsets.append(offset)
    }

    /// The median offset of the network's clock from this one (positive: this clock is behind), or nil with
    /// fewer than `minimumSamples` samples: too few peers to tell whose clock is wrong.
    public func median(minimumSamples: Int = 3) -> Duration? {
        guard offsets.count >= max(1, minimumSamples) else { return nil }
        let sorted = offsets.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median offset when it exceeds `tolerance` (this clock is then the wrong one), else nil.
    public func excessive(tolerance: Duration, minimumSamples: Int = 3) -> Duration? {
        guard let median = median(minimumSamples: minimumSamples), median > tolerance || median < .zero - tolerance
        else { return nil }
        return median
    }

    /// "2 h 0 min behind", "3 min 10 s ahead": this clock as against the network's, for messages.
    public static func describe(_ offset: Duration) -> String {
        "\(RecordRejection.span(offset)) \(offset > .zero ? "behind" : "ahead of")"
    }
}
