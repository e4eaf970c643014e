import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// This peer's duties in the storage market as a machine with no I/O (DESIGN.md §1, §9): registering as a
/// provider (after the faucet, on a test network), and proving its agreements in every epoch's proof window.
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
        case faucet, register
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
        /// The proofs transactions, once submitted.
        var posted: [Pending] = []

        var isGathering: Bool { !waitingDescriptor.isEmpty || !queue.isEmpty || !reading.isEmpty }
    }

    /// A descriptor being fetched: the file's keepers, asked one after another.
    struct DescriptorFetch: Sendable {
        var keepers: [PeerInfo]?
        var cursor = 0
    }

    /// Store tickets of the agent carry this bit, so that they never meet the provider machine's.
    public static let ticketBit: UInt64 = 1 << 63

    public let config: MarketAgentConfig
    public let local: PublicKey
    /// Where owners reach this provider, `host:port`.
    public let address: String
    var registration: Pending?
    var registeredLogged = false
    var round: ProofRound?
    /// Each agreement's slot shard IDs in segment order, checked against its slot root.
    var slotShards: [Key256: [ShardID]] = [:]
    var fetches: [Key256: DescriptorFetch] = [:]
    var nextTicket: UInt64 = 1
    var effects: [MarketAgentEffect] = []

    public init(config: MarketAgentConfig, local: PublicKey, address: String) {
        self.config = config
        self.local = local
        self.address = address
    }

    public mutating func takeEffects() -> [MarketAgentEffect] {
        defer { effects = [] }
        return effects
    }

    /// Hashes of this agent's transactions that may still be in the mempool: `committed` is told which are.
    public var outstanding: [Key256] {
        ([registration?.hash] + (round?.posted.map(\.hash) ?? [])).compactMap { $0 }
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
        prove(height: height, market: market, chain: chain, parameters: parameters, inMempool: inMempool)
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
        case .proofs: round?.posted.append(pending)
        }
    }

    // MARK: - Registration

    mutating func register(
        height: Height, ledger: LedgerState, market: MarketState, chain: ChainParameters,
        parameters: MarketParameters, inMempool: Set<Key256>
    ) {
        if let provider = market.providers[local] {
            if !registeredLogged {
                registeredLogged = true
                log(.info, "registered as a storage provider: \(provider.capacityBytes) bytes at "
                    + "\(provider.pricePerGiBEpoch) base units per GiB per epoch, \(provider.stake) staked",
                    ["cairn.market.height": "\(height)"])
            }
            registration = nil
            return
        }
        let account = ledger.account(local)
        if let pending = registration {
            if let hash = pending.hash, inMempool.contains(hash) { return }
            let faucetCommitted = pending.purpose == .faucet && (account.faucetLastUse ?? 0) > pending.height
            if !faucetCommitted {
                guard height >= pending.height + config.retryAfterBlocks else { return }
                if pending.hash != nil {
                    log(.warning, "the \(Self.name(pending.purpose)) transaction neither committed nor stayed in "
                        + "the mempool in \(height - pending.height) blocks: sending it again")
                }
            }
            registration = nil
        }
        let stake = config.stake ?? parameters.minProviderStake
        let (needed, overflow) = stake.baseUnits.addingReportingOverflow(chain.minFee.baseUnits)
        guard !overflow else { return }
        if account.balance.baseUnits >= needed {
            effects.append(.submit(
                MarketTransaction.registerProvider(
                    capacityBytes: config.capacityBytes, pricePerGiBEpoch: config.pricePerGiBEpoch, stake: stake,
                    address: address),
                .register))
            return
        }
        guard let faucet = chain.faucet else { return }
        if let last = account.faucetLastUse, height + 1 < last + faucet.cooldownBlocks { return }
        effects.append(.submit(.faucet, .faucet))
    }

    // MARK: - Proofs

    mutating func prove(
        height: Height, market: MarketState, chain: ChainParameters, parameters: MarketParameters,
        inMempool: Set<Key256>
    ) {
        if let round, round.epoch != market.epoch {
            if round.isGathering {
                log(.warning, "the proof window of epoch \(round.epoch) closed before its proofs were gathered")
            }
            self.round = nil
            let open = Set(market.agreements(ofProvider: local).filter(\.isOpen).map(\.id))
            slotShards = slotShards.filter { open.contains($0.key) }
        }
        let clock = MarketClock(parameters)
        guard clock.acceptsProofs(at: height + 1) else { return }
        let due = market.challenges(for: local)
        guard !due.isEmpty else { return }
        guard var round else {
            return startRound(due, epoch: market.epoch, market: market, chain: chain, parameters: parameters)
        }
        // Posted, yet some proofs this agent holds are still due: if none of its transactions is in the
        // mempool any more after a few blocks, they were lost, and go again.
        guard !round.isGathering, !round.posted.isEmpty,
              !round.posted.contains(where: { pending in pending.hash.map { inMempool.contains($0) } ?? false }),
              let last = round.posted.map(\.height).max(), height >= last + config.retryAfterBlocks
        else { return }
        let again = due.compactMap { round.entries[$0.agreementID] }
        guard !again.isEmpty else { return }
        round.posted = []
        self.round = round
        log(.warning, "\(again.count) proofs for epoch \(round.epoch) did not commit: posting them again")
        post(again, of: round)
    }

    mutating func startRound(
        _ due: [(agreementID: Key256, challenge: StorageChallenge)], epoch: UInt64, market: MarketState,
        chain: ChainParameters, parameters: MarketParameters
    ) {
        var round = ProofRound(
            epoch: epoch, maxTxBytes: Int(chain.maxTxBytes), maxProofs: Int(parameters.maxProofsPerTx))
        var toFetch: [Key256] = []
        for (id, challenge) in due {
            guard let agreement = market.agreements[id] else { continue }
            round.agreements[id] = (agreement, challenge)
            if slotShards[id] != nil {
                round.queue.append(id)
            } else {
                if round.waitingDescriptor[agreement.fileID] == nil { toFetch.append(agreement.fileID) }
                round.waitingDescriptor[agreement.fileID, default: []].append(id)
            }
        }
        self.round = round
        log(.info, "epoch \(epoch): \(due.count) challenges to prove")
        for fileID in toFetch where fetches[fileID] == nil {
            fetches[fileID] = DescriptorFetch()
            effects.append(.lookUp(fileID))
        }
        pump()
    }

    /// Reads queued shards, up to the bound; posts once every challenge has a proof or a reason.
    mutating func pump() {
        guard var round else { return }
        while round.reading.count < config.maxReadsInFlight, !round.queue.isEmpty {
            let id = round.queue.removeFirst()
            guard let challenge = round.agreements[id]?.challenge, let ids = slotShards[id],
                  challenge.segment < ids.count
            else {
                round.unproved[id] = "the challenge is outside the slot"
                continue
            }
            let ticket = StoreTicket(rawValue: Self.ticketBit | nextTicket)
            nextTicket += 1
            round.reading[ticket] = id
            effects.append(.prove(ticket, ids[challenge.segment], leaf: challenge.leaf))
        }
        self.round = round
        guard !round.isGathering, round.posted.isEmpty else { return }
        for (id, reason) in round.unproved.sorted(by: { $0.key < $1.key }) {
            let agreement = round.agreements[id]?.agreement
            log(.warning, "no proof for agreement \(id.shortHex)… in epoch \(round.epoch): \(reason); the chain "
                + "counts a miss", [
                    "cairn.market.file": agreement.map { "\($0.fileID.hex)" } ?? "?",
                    "cairn.market.slot": agreement.map { "\($0.slot)" } ?? "?",
                ])
        }
        let entries = round.entries.sorted { $0.key < $1.key }.map(\.value)
        guard !entries.isEmpty else { return }
        post(entries, of: round)
    }

    mutating func post(_ entries: [ProofBatch.Entry], of round: ProofRound) {
        let batches = MarketTransaction.proofBatches(
            epoch: round.epoch, entries: entries, maxTxBytes: round.maxTxBytes, maxProofs: round.maxProofs)
        log(.info, "epoch \(round.epoch): posting \(entries.count) proofs of storage in \(batches.count) "
            + "transactions")
        for batch in batches {
            effects.append(.submit(MarketTransaction.kind(.postProofs(batch)), .proofs(epoch: round.epoch)))
        }
    }

    /// The shard store answered the read of `ticket` (`StoreOperation.proveShard`).
    public mutating func proved(_ ticket: StoreTicket, _ outcome: StoreOutcome) {
        guard var round, let id = round.reading.removeValue(forKey: ticket),
              let (agreement, challenge) = round.agreements[id], let ids = slotShards[id]
        else { return }
        switch outcome {
        case .proof(let leaf, let path):
            let segment = challenge.segment
            if let slotPath = MerkleTree(leaves: ids).proof(forLeafAt: segment) {
                let proof = StorageProof(
                    segment: segment, leaf: challenge.leaf, leafBytes: Array(leaf.readableBytesView),
                    shardPath: path, shardID: ids[segment], slotPath: slotPath)
                do throws(StorageError) {
                    try proof.verify(
                        challenge, slotRoot: agreement.slotRoot, segmentCount: Int(agreement.segmentCount),
                        shardLength: agreement.shardLength(ofSegment: segment))
                    round.entries[id] = ProofBatch.Entry(agreementID: id, proof: proof)
                } catch {
                    round.unproved[id] = "shard \(ids[segment].hex) is corrupt (\(error))"
                }
            } else {
                round.unproved[id] = "segment \(segment) is not in the slot"
            }
        case .noSuchLeaf:
            round.unproved[id] = "shard \(ids[challenge.segment].hex) has no leaf \(challenge.leaf)"
        case .failed(let error):
            round.unproved[id] = "shard \(ids[challenge.segment].hex) could not be read: \(error)"
        default:
            round.unproved[id] = "the shard store gave an unexpected answer"
        }
        self.round = round
        pump()
    }

    // MARK: - Descriptors

    /// The lookup of `fileID`'s keepers ended (nil: it failed).
    public mutating func lookedUp(_ fileID: Key256, keepers: [PeerInfo]?) {
        guard fetches[fileID] != nil else { return }
        fetches[fileID]!.keepers = keepers ?? []
        askNextKeeper(fileID)
    }

    /// A keeper answered the descriptor request for `fileID` (nil: no descriptor, or no answer).
    public mutating func descriptorAnswered(_ fileID: Key256, bytes: [UInt8]?) {
        guard fetches[fileID] != nil else { return }
        if let bytes, SHA256.hash(bytes) == fileID, let descriptor = try? Descriptor(decoding: bytes),
           descriptor.verifySignature()
        {
            fetches[fileID] = nil
            return descriptorFound(fileID, descriptor)
        }
        askNextKeeper(fileID)
    }

    mutating func askNextKeeper(_ fileID: Key256) {
        guard let fetch = fetches[fileID], let keepers = fetch.keepers else { return }
        guard fetch.cursor < keepers.count else {
            fetches[fileID] = nil
            return descriptorFound(fileID, nil)
        }
        fetches[fileID]!.cursor += 1
        effects.append(.askDescriptor(fileID, keepers[fetch.cursor]))
    }

    mutating func descriptorFound(_ fileID: Key256, _ descriptor: Descriptor?) {
        guard var round, let waiting = round.waitingDescriptor.removeValue(forKey: fileID) else { return }
        for id in waiting {
            guard let agreement = round.agreements[id]?.agreement else { continue }
            guard let descriptor else {
                round.unproved[id] = "the descriptor of file \(fileID.shortHex)… was not found"
                continue
            }
            let slot = Int(agreement.slot)
            guard slot < descriptor.parameters.n else {
                round.unproved[id] = "the file has no slot \(slot)"
                continue
            }
            let ids = descriptor.shardIDs(ofSlot: slot)
            guard ids.count == Int(agreement.segmentCount), MerkleTree(leaves: ids).root == agreement.slotRoot else {
                round.unproved[id] = "the descriptor's slot \(slot) does not match the agreement's slot root"
                continue
            }
            slotShards[id] = ids
            round.queue.append(id)
        }
        self.round = round
        pump()
    }

    // MARK: - Status

    /// After a settling block: a warning for each of this provider's agreements that missed the epoch.
    mutating func reportMisses(_ market: MarketState, parameters: MarketParameters) {
        for agreement in market.agreements(ofProvider: local) where agreement.isOpen && agreement.consecutiveMisses > 0 {
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
        case .proofs(let epoch): "proofs (epoch \(epoch))"
        }
    }
}

/// What the market agent asks of the running peer.
public enum MarketAgentEffect: Sendable {
    /// Sign and submit `kind`, then tell the agent how it went (`submitted`).
    case submit(TransactionKind, MarketAgent.Purpose)
    /// Look up the keepers of a file (`lookedUp`).
    case lookUp(Key256)
    /// Ask a keeper for a file's descriptor (`descriptorAnswered`).
    case askDescriptor(Key256, PeerInfo)
    /// The leaf and its path of a stored shard (`StoreOperation.proveShard`, then `proved`).
    case prove(StoreTicket, ShardID, leaf: Int)
    case log(PeerLogEntry)
}
