import CairnDHT
import CairnWire

/// A reproducible stream of test values (SplitMix64), so that property tests replay exactly.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func key() -> Key256 { Key256(w0: next(), w1: next(), w2: next(), w3: next()) }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func seed32() -> [UInt8] { (0..<4).flatMap { _ in withUnsafeBytes(of: next()) { Array($0) } } }
}

extension Key256 {
    /// This key with bit `index` (0 = most significant) flipped.
    func flipping(bit index: Int) -> Key256 {
        var words = [w0, w1, w2, w3]
        words[index / 64] ^= 1 << UInt64(63 - index % 64)
        return Key256(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// A key sharing exactly `bucket` leading bits with `self`, the rest taken from `noise`.
    func inBucket(_ bucket: Int, noise: Key256) -> Key256 {
        var d = [noise.w0, noise.w1, noise.w2, noise.w3]
        let word = bucket / 64
        let bit: UInt64 = 1 << UInt64(63 - bucket % 64)
        for w in 0..<word { d[w] = 0 }
        d[word] = (d[word] & (bit &- 1)) | bit
        return distance(to: Key256(w0: d[0], w1: d[1], w2: d[2], w3: d[3]))
    }
}

func peer(_ id: Key256, port: UInt16 = 1) -> PeerInfo {
    PeerInfo(id: id, address: PeerAddress(host: "test", port: port))
}

/// The `count` of `ids` closest to `key`, by sorting everything.
func bruteForceClosest(_ ids: [PeerID], to key: Key256, count: Int) -> [PeerID] {
    Array(ids.sorted { $0.distance(to: key) < $1.distance(to: key) }.prefix(count))
}

extension Instant {
    static func at(_ seconds: Int64) -> Instant { .seconds(seconds) }
}

func testIdentity(_ n: UInt8) -> Identity {
    guard let identity = Identity(seed: [UInt8](repeating: n, count: 32)) else {
        preconditionFailure("32-byte seeds always make identities")
    }
    return identity
}
