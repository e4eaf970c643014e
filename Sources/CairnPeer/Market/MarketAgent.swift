import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import HashTreeCollections

/// This peer's duties in the storage market as a machine with no I/O (DESIGN.md §1, §9): registering as a
/// provider (after the faucet, on a test network), and proving its challenged agreements in every epoch's proof window.
/// Told of every committed block (`committed`), of the descriptors and shard proofs it asked for, and of its
/// submissions; it answers with `MarketAgentEffect`s that `RunningPeer` carries out.
///
/// Registration: once the chain is caught up, a peer that is not a provider and has nothing pending submits
/// `registerProvider` when its balance covers the stake and the fee, else a faucet request when the faucet's
/// cooldown allows. A submission that neither commits nor stays in the mempool for `retryAfterBlocks` blocks is
/// forgotten, so the next block decides again from the committed state.
///
/// Proofs: in the proof window of the epoch of the next block, for each challenge of this provider: the slot's
/// shard IDs (from the file's descriptor, fetched through the DHT once per agreement and checked against the
/// agreement's slot root), then the challenged leaf and its path from the shard store, checked like the chain
/// will; the proofs of an epoch go out in as few transactions as fit. A shard missing or corrupt gives no proof
/// for its agreement: the chain counts the miss.
public struct MarketAgent: Sendable {
    /// What a submission was for.
    public enum Purpose: Hashable, Sendable {
        case faucet, register, checkIn
        case proofs(epoch: UInt64)
    }

    struct Pending: Hashable, Sendable {
        var purpose: Purpose
        /// Nil when the submission was refused: only the wait before the next try.
        var hash: Key256?
        var height: Height
    }

    /// Proving one epoch's challenges.
    struct ProofRound: Sendable {
        var epoch: UInt64
        var maxTxBytes: Int
        var maxProofs: Int
        var agreements: [Key256: (agreement: StorageAgreement, challenge: StorageChallenge)] = [:]
        /// Agreements waiting for their file's descriptor, by file ID.
        var waitingDescriptor: [Key256: [Key256]] = [:]
        /// Agreements whose shard is to be read, in order.
        var queue: [Key256] = []
        var reading: [StoreTicket: Key256] = [:]
        var entries: [Key256: ProofBatch.Entry] = [:]
        var unproved: [Key256: String] = [:]
        /// The market's rules, for the warnings (`proofWarnings`).
        var parameters: MarketParameters?
        /// The proofs transactions, once submitted.
        var posted: [Pending] = []
        /// Agreements whose proofs went out in those transactions.
        var postedIDs: Set<Key256> = []
        /// The window closes within two blocks: proofs go out as they come, without waiting for the rest.
        var closing = false
        /// The challenges left unproved have been logged.
        var warned = false

        var isGathering: Bool { !waitingDescriptor.isEmpty || !queue.isEmpty || !reading.isEmpty }
    }

    /// A descriptor being fetched: the file's keepers, asked one after another.
    struct DescriptorFetch: Sendable {
        /// The file's other providers, asked after the keepers the lookup finds (`LocateOrder.holders`).
        var holders: [PeerInfo] = []
        var keepers: [PeerInfo]?
        var cursor = 0
        /// Keepers asked and not answered yet.
        var inFlight = 0
    }

    /// Store tickets of the agent carry this bit, so that they never meet the provider machine's.
    public static let ticketBit: UInt64 = 1 << 63

    public let config: MarketAgentConfig
    public let local: PublicKey
    /// Where owners reach this provider, `host:port`.
    public let address: String
    var registration: Pending?
    var registeredLogged = false
    /// The check-in submitted and not yet seen committed (`checkIn`).
    var checkInPending: Pending?
    var round: ProofRound?
    /// The epoch in which no agreement of this provider was challenged, and the agreements open then.
    var nothingDue: (epoch: UInt64, open: TreeSet<Key256>)?
    /// The slot each open agreement of this provider holds, once learnt from the file's descriptor; removed once
    /// the agreement has closed (`releaseClosedSlots`).
    var slots: [Key256: HeldSlot] = [:]
    /// Closed agreements of this provider whose slots are still to be released after a start; nil until the
    /// first caught-up block (`reconcileClosedSlots`).
    var reconcileQueue: [Key256]?
    /// Those whose descriptor is being read, by store ticket.
    var reconcileReads: [StoreTicket: StorageAgreement] = [:]
    /// The committed market of the last block while the reconciliation runs, for the slots held by then.
    var reconcileMarket: MarketState?
    var fetches: [Key256: DescriptorFetch] = [:]
    /// Reads of a descriptor from this peer's own blob store, by store ticket (`startFetch`).
    var descriptorReads: [StoreTicket: Key256] = [:]
    /// New agreements whose slot shard IDs are being fetched before their first challenge, by file ID.
    var prefetching: [Key256: [Key256: StorageAgreement]] = [:]
    /// Repairable agreements: the height this agent first saw each so (`planRepairs`).
    var repairSeen: [Key256: Height] = [:]
    /// The height of this agent's last repair of each, and the repairs under way.
    var repairTried: [Key256: Height] = [:]
    var repairsInFlight: [Key256: PublicKey] = [:]
    /// New providers a repair of each failed to place its slot on.
    var repairExcluded: [Key256: Set<PublicKey>] = [:]
    var nextTicket: UInt64 = 1
    var effects: [MarketAgentEffect] = []

    public init(config: MarketAgentConfig, local: PublicKey, address: String) {
        self.config = config
        self.local = local
        self.address = address
    }

    /// A store ticket not used before, with `ticketBit` set.
    mutating func newTicket() -> StoreTicket {
        defer { nextTicket += 1 }
        return StoreTicket(rawValue: Self.ticketBit | nextTicket)
    }

    public mutating func takeEffects() -> [MarketAgentEffect] {
        defer { effects = [] }
        return effects
    }

    /// Hashes of this agent's transactions that may still be in the mempool: `committed` is told which are.
    public var outstanding: [Key256] {
        ([registration?.hash, checkInPending?.hash] + (round?.posted.map(\.hash) ?? [])).compactMap { $0 }
    }

    // MARK: - Blocks

    /// Block `height` is committed, leaving `ledger`. `caughtUp`: the chain knows of no later block.
    /// `inMempool`: those of `outstanding` still in this peer's mempool.
    public mutating func committed(
        height: Height, ledger: LedgerState, chain: ChainParameters, caughtUp: Bool, inMempool: Set<Key256>
    ) {
        guard caughtUp, let parameters = chain.market else { return }
        let market = MarketState.of(ledger)
        let clock = MarketClock(parameters)
        if clock.isLastBlock(height) { reportMisses(market, parameters: parameters) }
        if config.autoRegister {
            register(height: height, ledger: ledger, market: market, chain: chain, parameters: parameters,
                     inMempool: inMempool)
        }
        releaseClosedSlots(market)
        reconcileClosedSlots(market)
        prove(height: height, market: market, chain: chain, parameters: parameters, inMempool: inMempool)
        checkIn(height: height, market: market, parameters: parameters, inMempool: inMempool)
        prefetchDescriptors(market: market)
        if config.selfRepair { planRepairs(height: height, market: market, parameters: parameters) }
    }

    /// What the agent submitted, and how the chain took it.
    public mutating func submitted(
        _ purpose: Purpose, _ result: Result<Key256, TransactionSubmissionError>, height: Height
    ) {
        let hash: Key256?
        switch result {
        case .success(let submitted):
            hash = submitted
        case .failure(let error):
            hash = nil
            log(.warning, "the \(Self.name(purpose)) transaction was refused: \(error); trying again in "
                + "\(config.retryAfterBlocks) blocks")
        }
        let pending = Pending(purpose: purpose, hash: hash, height: height)
        switch purpose {
        case .faucet, .register: registration = pending
        case .checkIn: checkInPending = pending
        case .proofs: round?.posted.append(pending)
        }
    }

    // MARK: - Status

    /// After a settling block: a warning for each of this provider's agreements that missed the epoch.
    mutating func reportMisses(_ market: MarketState, parameters: MarketParameters) {
        for agreement in market.openAgreements(ofProvider: local) where agreement.consecutiveMisses > 0 {
            let settled = market.epoch == 0 ? 0 : market.epoch - 1
            let left = parameters.missesBeforeRepair - min(parameters.missesBeforeRepair, agreement.consecutiveMisses)
            let next = agreement.state == .repairNeeded
                ? "it is marked for repair: any keeper may move the slot to another provider"
                : "\(left) more and it is marked for repair"
            log(.warning, "agreement \(agreement.id.shortHex)… missed its proof of storage for epoch \(settled) "
                + "(\(agreement.consecutiveMisses) in a row, \(agreement.penaltiesTotal) base units of stake lost "
                + "to penalties so far); \(next)", [
                    "cairn.market.file": agreement.fileID.hex, "cairn.market.slot": "\(agreement.slot)",
                ])
        }
    }

    mutating func log(_ level: PeerLogEntry.Level, _ message: String, _ metadata: [String: String] = [:]) {
        effects.append(.log(PeerLogEntry(level, message, metadata)))
    }

    static func name(_ purpose: Purpose) -> String {
        switch purpose {
        case .faucet: "faucet"
        case .register: "provider registration"
        case .checkIn: "check-in"
        case .proofs(let epoch): "proofs (epoch \(epoch))"
        }
    }
}

