import CairnStorage

/// One file scenario (`cairn sim files`, simulations/README.md): N peers join, F files are put from random
/// peers, a share `churn` of the peers then crashes silently, and every file is got from a random live peer
/// other than its uploader and checked. Decoded from the JSON files in `simulations/`; every field but
/// `peers`, `files` and `seed` may be left out.
public struct FileSimulationConfig: Codable, Hashable, Sendable {
    /// What moves between simulated peers.
    public enum Payload: String, Codable, Hashable, Sendable, CaseIterable {
        /// Real encrypted, erasure-coded bytes: every get is checked by SHA-256 against what was put.
        case real
        /// Sizes and commitments only (shard IDs, lengths), for networks of 10⁴ peers and files: every get is
        /// checked against the shard IDs the descriptor names.
        case synthetic
    }

    /// Peers in the network, the bootstrap peer (index 0) included.
    public var peers: Int
    /// Files put, each by a random peer.
    public var files: Int
    /// Seeds every random choice: identities, latencies, uploaders, contents, crashes, readers.
    public var seed: UInt64
    /// Size of every file, in bytes.
    public var size: Int
    /// Share of the peers (the bootstrap peer included) that crash silently once every put has finished, in 0..<1.
    public var churn: Double
    public var payload: Payload
    /// The erasure code: any k of a segment's n shards rebuild it.
    public var k: Int
    public var n: Int
    /// One-way latency of a link before its jitter (each link adds up to half of it, fixed per link).
    public var latencyMs: Double
    /// Chance that any one message is lost, in 0..<1.
    public var lossRate: Double
    /// Virtual seconds between the crashes and the first get, while the live peers run their upkeep.
    public var settleSeconds: Double

    public init(peers: Int, files: Int, seed: UInt64, size: Int = 1 << 20, churn: Double = 0,
                payload: Payload = .synthetic, k: Int = 4, n: Int = 8, latencyMs: Double = 50, lossRate: Double = 0,
                settleSeconds: Double = 50) {
        self.peers = peers
        self.files = files
        self.seed = seed
        self.size = size
        self.churn = churn
        self.payload = payload
        self.k = k
        self.n = n
        self.latencyMs = latencyMs
        self.lossRate = lossRate
        self.settleSeconds = settleSeconds
    }

    enum CodingKeys: String, CodingKey {
        case peers, files, seed, size, churn, payload, k, n
        case latencyMs = "latency_ms"
        case lossRate = "loss_rate"
        case settleSeconds = "settle_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FileSimulationConfig(peers: 0, files: 0, seed: 0)
        self.init(
            peers: try c.decode(Int.self, forKey: .peers),
            files: try c.decode(Int.self, forKey: .files),
            seed: try c.decode(UInt64.self, forKey: .seed),
            size: try c.decodeIfPresent(Int.self, forKey: .size) ?? defaults.size,
            churn: try c.decodeIfPresent(Double.self, forKey: .churn) ?? defaults.churn,
            payload: try c.decodeIfPresent(Payload.self, forKey: .payload) ?? defaults.payload,
            k: try c.decodeIfPresent(Int.self, forKey: .k) ?? defaults.k,
            n: try c.decodeIfPresent(Int.self, forKey: .n) ?? defaults.n,
            latencyMs: try c.decodeIfPresent(Double.self, forKey: .latencyMs) ?? defaults.latencyMs,
            lossRate: try c.decodeIfPresent(Double.self, forKey: .lossRate) ?? defaults.lossRate,
            settleSeconds: try c.decodeIfPresent(Double.self, forKey: .settleSeconds) ?? defaults.settleSeconds)
    }

    /// Most files one run puts (each keeps its descriptor, key and checksum until the report).
    public static let maxFiles = 1_000_000
    /// Largest file a `real` run moves: every byte of it is held by its holders in memory.
    public static let maxRealSize = 1 << 30

    /// Throws the first problem found, as a sentence a user can act on.
    public func validate() throws(FileSimulationConfigError) {
        guard peers >= 2, peers <= PeerSimulator.maxPeers else { throw .peers(peers) }
        guard files >= 1, files <= Self.maxFiles else { throw .files(files) }
        guard size >= 0, payload == .synthetic || size <= Self.maxRealSize else { throw .size(size, payload) }
        guard churn >= 0, churn < 1 else { throw .churn(churn) }
        guard k >= 1, n > k, n <= CodingParameters.maxShardCount else { throw .code(k: k, n: n) }
        guard n <= peers else { throw .tooFewPeers(n: n, peers: peers) }
        guard latencyMs >= 0, latencyMs.isFinite, latencyMs <= 60_000 else { throw .latency(latencyMs) }
        guard lossRate >= 0, lossRate < 1 else { throw .lossRate(lossRate) }
        guard settleSeconds >= 0, settleSeconds <= 3600 else { throw .settle(settleSeconds) }
    }
}

/// A file scenario that cannot run, and why.
public enum FileSimulationConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    case peers(Int)
    case files(Int)
    case size(Int, FileSimulationConfig.Payload)
    case churn(Double)
    case code(k: Int, n: Int)
    case tooFewPeers(n: Int, peers: Int)
    case latency(Double)
    case lossRate(Double)
    case settle(Double)

    public var description: String {
        switch self {
        case .peers(let n): "peers must be between 2 and \(PeerSimulator.maxPeers), not \(n)"
        case .files(let n): "files must be between 1 and \(FileSimulationConfig.maxFiles), not \(n)"
        case .size(let s, .real):
            "size must be between 0 and \(FileSimulationConfig.maxRealSize) bytes with --payload real, not \(s)"
        case .size(let s, _): "size must be at least 0 bytes, not \(s)"
        case .churn(let c): "churn is the share of peers that crash and must be at least 0 and below 1, not \(c)"
        case .code(let k, let n):
            "the code needs 1 ≤ k < n ≤ \(CodingParameters.maxShardCount), not k = \(k), n = \(n)"
        case .tooFewPeers(let n, let peers): "n = \(n) shards need at least \(n) peers, not \(peers)"
        case .latency(let l): "latency must be between 0 and 60000 ms, not \(l)"
        case .lossRate(let l): "loss rate must be at least 0 and below 1, not \(l)"
        case .settle(let s): "settle time must be between 0 and 3600 virtual seconds, not \(s)"
        }
    }
}
