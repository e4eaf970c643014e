import CairnWire

/// The simulated network: each link has a fixed latency (the base plus a jitter drawn once per link from
/// the seed), any message may be lost, and crashed peers drop everything silently, so that their callers
/// learn of it only through timeouts.
struct SimNetwork {
    let baseLatency: Int64
    let lossRate: Double
    private let linkSalt: UInt64
    private(set) var crashed: [Bool]

    init(peers: Int, latencyMs: Double, lossRate: Double, linkSalt: UInt64) {
        self.baseLatency = Int64((latencyMs * 1_000_000).rounded())
        self.lossRate = lossRate
        self.linkSalt = linkSalt
        self.crashed = Array(repeating: false, count: peers)
    }

    /// One-way latency of the link between `a` and `b` in nanoseconds: the same both ways and every time.
    func latency(_ a: Int, _ b: Int) -> Int64 {
        guard baseLatency > 0 else { return 0 }
        var mix = linkSalt ^ (UInt64(Swift.min(a, b)) << 32 | UInt64(Swift.max(a, b)))
        let unit = Double(SimRandom.splitMix(&mix) >> 11) * 0x1p-53
        return baseLatency + Int64(Double(baseLatency) * 0.5 * unit)
    }

    /// Whether a message gets through; draws from `random` only when the network loses messages at all.
    func delivers(using random: inout SimRandom) -> Bool {
        lossRate == 0 || random.nextUnit() >= lossRate
    }

    mutating func crash(_ index: Int) { crashed[index] = true }

    /// While set, the side of the partition each peer is on: messages between the two sides are dropped
    /// (a connection attempt across it never completes).
    var partition: [Bool]?
    /// Peers that send nothing for now (a byzantine validator gone silent): their messages are dropped.
    var silent: [Bool] = []

    /// Whether a message from `a` can reach `b` at all now (loss aside).
    func connects(_ a: Int, _ b: Int) -> Bool {
        if a < silent.count, silent[a] { return false }
        guard let partition else { return true }
        return partition[a] == partition[b]
    }
}
