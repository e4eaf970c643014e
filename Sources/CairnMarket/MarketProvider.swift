import CairnChain

/// A registered storage provider as the market sees it (DESIGN.md §9): what it offers, what it has staked,
/// what it holds now and how it has answered challenges.
public struct MarketProvider: Hashable, Sendable {
    public enum Status: UInt8, Hashable, Sendable {
        /// Takes new agreements (when its stake is at least the minimum and it has room).
        case active = 0
        /// Has asked to leave: takes no new agreement, and its open agreements may be repaired onto others.
        /// Its stake returns on a withdraw transaction once none of its agreements is open.
        case withdrawing = 1
    }

    /// Bytes it offers in all.
    public var capacityBytes: UInt64
    /// Base units per GiB (2³⁰ bytes, rounded up per agreement) per epoch.
    public var pricePerGiBEpoch: Amount
    /// Base units locked in the market's escrow as a bond against misses; penalties are taken from it.
    public var stake: Amount
    /// Where owners reach it, `host:port`.
    public var address: String
    /// Bytes of its open agreements (active or marked for repair).
    public var usedBytes: UInt64
    public var status: Status
    /// Its agreements that are active or marked for repair.
    public var openAgreements: UInt64
    /// Epochs it proved, missed, and proofs it posted that did not verify (each also a miss unless redone).
    public var proofsOK: UInt64
    public var proofsMissed: UInt64
    public var proofsInvalid: UInt64
    /// The last epoch in which a transaction of its own committed: register, update, proofs or a check-in
    /// (`MarketParameters.livenessEpochs`).
    public var lastActiveEpoch: UInt64

    public init(
        capacityBytes: UInt64, pricePerGiBEpoch: Amount, stake: Amount, address: String, usedBytes: UInt64 = 0,
        status: Status = .active, openAgreements: UInt64 = 0, proofsOK: UInt64 = 0, proofsMissed: UInt64 = 0,
        proofsInvalid: UInt64 = 0, lastActiveEpoch: UInt64 = 0
    ) {
        self.capacityBytes = capacityBytes
        self.pricePerGiBEpoch = pricePerGiBEpoch
        self.stake = stake
        self.address = address
        self.usedBytes = usedBytes
        self.status = status
        self.openAgreements = openAgreements
        self.proofsOK = proofsOK
        self.proofsMissed = proofsMissed
        self.proofsInvalid = proofsInvalid
        self.lastActiveEpoch = lastActiveEpoch
    }

    /// Bytes it can still take.
    public var freeBytes: UInt64 { capacityBytes > usedBytes ? capacityBytes - usedBytes : 0 }

    /// Whether it is online in `epoch`: a transaction of its own committed in the last `livenessEpochs` epochs
    /// (`MarketParameters.livenessEpochs`). Offline providers keep their record, stake and agreements, but peers
    /// place nothing new on them and do not count on them to repair.
    public func isOnline(in epoch: UInt64, livenessEpochs: UInt64) -> Bool {
        epoch <= lastActiveEpoch || epoch - lastActiveEpoch <= livenessEpochs
    }

    /// Per-mille of its settled epochs that it proved: 1000 × ok / (ok + missed); 1000 before any settlement.
    public var score: UInt64 {
        let total = proofsOK + proofsMissed
        return total == 0 ? 1000 : proofsOK * 1000 / total
    }
}
