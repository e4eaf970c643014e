/// One storage scenario (`cairn sim storage`): `peers` whole peers — the first `validators` of them validators
/// that store nothing and never leave, every other one a registered storage provider — hold `files` real files
/// of `k`-of-`n` slots for `epochs` market epochs, while each provider leaves for good with probability
/// `churnPerEpoch` at every epoch boundary and as many fresh providers join.
public struct StorageSimulationConfig: Codable, Hashable, Sendable {
    /// Peers at the start, validators included; providers that join later come on top.
    public var peers: Int
    public var files: Int
    /// Market epochs of churn, counted from the epoch in which every file's agreements are open.
    public var epochs: Int
    public var seed: UInt64
    /// Chance that a live provider leaves at an epoch boundary, in 0..<1.
    public var churnPerEpoch: Double
    /// Whether the providers' market agents rebuild lost slots (`MarketAgentConfig.selfRepair`).
    public var repair: Bool
    /// Validators at genesis, peers 0..<validators, with equal stake.
    public var validators: Int
    /// The files' erasure code: any `k` of the `n` slots rebuild a file.
    public var k: Int
    public var n: Int
    /// Plaintext bytes of each file (one segment of `segmentBytes`).
    public var fileBytes: Int
    /// One-way latency of a link before its jitter.
    public var latencyMs: Double

    public init(peers: Int, files: Int, epochs: Int, seed: UInt64, churnPerEpoch: Double = 0, repair: Bool = true,
                validators: Int = 4, k: Int = 4, n: Int = 8, fileBytes: Int = 3_000, latencyMs: Double = 20) {
        self.peers = peers
        self.files = files
        self.epochs = epochs
        self.seed = seed
        self.churnPerEpoch = churnPerEpoch
        self.repair = repair
        self.validators = validators
        self.k = k
        self.n = n
        self.fileBytes = fileBytes
        self.latencyMs = latencyMs
    }

    /// The segment size of every file: the smallest the coder allows, so that a file is one segment.
    public static let segmentBytes = 4096

    enum CodingKeys: String, CodingKey {
        case peers, files, epochs, seed, repair, validators, k, n
        case churnPerEpoch = "churn_per_epoch"
        case fileBytes = "file_bytes"
        case latencyMs = "latency_ms"
    }

    /// Providers at the start.
    public var providers: Int { peers - validators }

    /// Throws the first problem found, as a sentence a user can act on.
    public func validate() throws(StorageSimulationConfigError) {
        guard validators >= 1, validators <= 100 else { throw .validators(validators) }
        guard k >= 1, n > k, n <= 32 else { throw .code(k: k, n: n) }
        // Every file's slots on distinct providers, and one more to repair onto.
        guard peers >= validators + n + 1, peers <= PeerSimulator.maxPeers / 2 else {
            throw .peers(peers, needed: validators + n + 1)
        }
        guard files >= 1, files <= 1_000_000 else { throw .files(files) }
        guard epochs >= 1, epochs <= 100_000 else { throw .epochs(epochs) }
        guard churnPerEpoch >= 0, churnPerEpoch < 1 else { throw .churn(churnPerEpoch) }
        guard fileBytes >= 1, fileBytes <= Self.segmentBytes - 64 else { throw .fileBytes(fileBytes) }
        guard latencyMs >= 0, latencyMs.isFinite, latencyMs <= 1_000 else { throw .latency(latencyMs) }
    }
}

/// A storage scenario that cannot run, and why.
public enum StorageSimulationConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    case peers(Int, needed: Int)
    case validators(Int)
    case code(k: Int, n: Int)
    case files(Int)
    case epochs(Int)
    case churn(Double)
    case fileBytes(Int)
    case latency(Double)

    public var description: String {
        switch self {
        case .peers(let p, let needed):
            "peers must be at least \(needed) (the validators, a file's slots on distinct providers and one to "
                + "repair onto) and at most \(PeerSimulator.maxPeers / 2), not \(p)"
        case .validators(let v): "validators must be between 1 and 100, not \(v)"
        case .code(let k, let n): "the code must have 1 ≤ k < n ≤ 32, not \(k)-of-\(n)"
        case .files(let f): "files must be between 1 and 1000000, not \(f)"
        case .epochs(let e): "epochs must be between 1 and 100000, not \(e)"
        case .churn(let c): "churn per epoch is a probability and must be at least 0 and below 1, not \(c)"
        case .fileBytes(let b):
            "file bytes must be between 1 and \(StorageSimulationConfig.segmentBytes - 64) (one segment), not \(b)"
        case .latency(let l): "latency must be between 0 and 1000 ms, not \(l)"
        }
    }
}
