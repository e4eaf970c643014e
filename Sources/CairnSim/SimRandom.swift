import CairnWire

/// The simulator's only source of randomness: xoshiro256** seeded through SplitMix64, so that one seed
/// always replays the same run, on any machine and any Swift version (nothing here goes through the
/// standard library's `random(in:)` algorithms, which are free to change).
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The stream for `seed`: its four state words are the first four SplitMix64 outputs of the seed.
    public init(seed: UInt64) {
        var mix = seed
        s0 = SimRandom.splitMix(&mix)
        s1 = SimRandom.splitMix(&mix)
        s2 = SimRandom.splitMix(&mix)
        s3 = SimRandom.splitMix(&mix)
    }

    /// xoshiro256**'s next output.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in 0..<bound (bound > 0), by Lemire's multiply-and-reject.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        while true {
            let (high, low) = next().multipliedFullWidth(by: b)
            if low >= (0 &- b) % b { return Int(high) }
        }
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniformly random point of the key space.
    public mutating func nextKey() -> Key256 {
        Key256(w0: next(), w1: next(), w2: next(), w3: next())
    }

    /// `count` random bytes (identity seeds).
    public mutating func nextBytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var word = next()
            for _ in 0..<Swift.min(8, count - out.count) {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }

    /// SplitMix64: a good 64-bit mixer, also used for values that must not consume the main stream.
    public static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
