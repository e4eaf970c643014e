import CairnCrypto
import CairnWire

/// Names a chain request this peer sent, so that its answer (`ChainMachine.answered`) finds its purpose.
public struct ChainRequestID: Hashable, Sendable, Comparable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Names a write the machine asked for, so that `ChainMachine.persisted` says which is durable.
public struct ChainWriteTicket: Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// The chain machine's timers; each comes back through `ChainMachine.timerFired`.
public enum ChainTimer: Hashable, Sendable {
    case consensus(ConsensusTimeout)
    /// The block interval after a commit has passed: consensus on the next height starts.
    case nextHeight(Height)
    /// Send this validator's messages of the undecided height again.
    case regossip
    /// Tell the neighbours this peer's committed height.
    case status
}

/// A durable write the machine needs before it goes on (DESIGN.md §6): the host carries it out — fsync
/// included — and reports it with `ChainMachine.persisted(ticket)`.
public enum ChainWrite: Sendable {
    /// Committed blocks with their commits, in height order, in one transaction.
    case blocks([StoredBlock])
    /// The consensus message this validator is about to send (`SigningRecord`'s encoding): nothing signed is
    /// sent before it is on disk, so a restarted validator never signs anything conflicting.
    case signed([UInt8])
}

/// What the chain machine asks its host to do, in order. The host decides nothing: it sends to the peer named,
/// arms the timer, performs the write, and reports answers, failures and completions back.
public enum ChainAction: Sendable {
    /// Send a one-way chain message to `peer`, finding its address if needed.
    case announce(ChainAnnouncement, to: PeerID)
    /// Send a request to `peer`; report the answer or the failure with `ChainMachine.answered(id, …)`.
    case request(ChainRequestID, ChainRequest, to: PeerID)
    case armTimer(ChainTimer, at: Instant)
    case write(ChainWriteTicket, ChainWrite)
    /// A block was committed (by consensus or sync) and applied: for logs and metrics.
    case committed(height: Height, hash: Key256, transactions: Int)
    /// Transactions submitted on this peer left its mempool without a block taking them, in nonce order: one no
    /// longer applied (a late proof, an agreement already ended, funds gone), and the mempool drops the same
    /// sender's later ones with it, as their nonces no longer follow. The host signs again what it still wants.
    case dropped([SignedTransaction])
    /// A validator signed two conflicting votes (kept for the slashing the market issue adds).
    case evidence(Equivocation)
    case log(level: ChainLogLevel, message: String)
}

public enum ChainLogLevel: Sendable, Hashable {
    case debug, info, warning
}

/// How the machine answers a chain request: at once from memory, or from the host's block store.
public enum ChainServing: Sendable {
    case answer(ChainResponse)
    /// Read committed blocks from `from` on — at most `maxCount` and `maxBytes` — and answer `.blocks` with them.
    case readBlocks(from: Height, maxCount: Int, maxBytes: Int)
}

/// A block received by sync, encoded, with its commit: decoded and verified when its turn comes.
public typealias SyncedBlock = CommittedBlockBytes
