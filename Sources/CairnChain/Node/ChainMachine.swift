import CairnCrypto
import CairnWire
import NIOCore

/// The chain as one peer runs it (DESIGN.md §6), a pure machine like the rest of the peer (§1): the ledger's
/// committed state, the mempool, Tendermint consensus when this peer is a validator, the gossip of
/// transactions, proposals and votes, and the sync that catches a peer up. No I/O: the host (`PeerMachine`)
/// carries out its `ChainAction`s — sends, timers, durable writes — and reports back.
///
/// Who talks to whom: validators send their signed proposals and votes straight to every other validator
/// (a validator's PeerID is the SHA-256 of its account key); every peer announces its committed height to
/// its nearest neighbours after each commit, and a peer that hears of a higher height pulls the blocks with
/// their commits (`BlockSync`), verifying each commit, so non-validators follow the chain without seeing any
/// vote. Transactions go to the validators by hash and are pulled by those that lack them.
public struct ChainMachine: Sendable {
    public let rules: LedgerRules
    public let config: ChainMachineConfig
    let consensusConfig: ConsensusConfig
    let identity: Identity?
    public let localPeer: PeerID

    /// The state after the last committed block.
    public internal(set) var ledger: LedgerState
    /// The validator set of the next height (`ledger.height + 1`), proposer priorities included.
    public internal(set) var validators: ValidatorSet
    /// The PeerIDs of `validators`, this peer's excluded.
    var validatorPeers: [PeerID] = []
    public internal(set) var mempool: Mempool
    /// Consensus on `ledger.height + 1`, while this peer is a validator and not catching up.
    var consensus: TendermintMachine?
    var lastSigned: SigningRecord?
    var sync: BlockSync<SyncedBlock>

    /// Blocks proposed for the height under consensus, by hash.
    var proposed: [Key256: ProposedBlock] = [:]
    /// Proposals whose block is being pulled.
    var awaitingBody: [Key256: [SignedProposal]] = [:]
    /// Peers asked for a proposed block's body.
    var bodyAsked: [Key256: Set<PeerID>] = [:]
    /// A decision whose block has not arrived yet.
    var pendingCommit: Commit?
    /// This validator's signed messages of the undecided height, sent again on `regossip`.
    var ownMessages: [ConsensusMessage] = []
    /// When this validator's consensus for the current height began: regossip is for a height that stalls.
    var heightStartedAt = Instant(nanoseconds: 0)
    /// Transaction hashes being pulled.
    var pulling: Set<Key256> = []
    /// Transactions submitted on this peer and not yet in a block, with the regossip ticks seen since: each is
    /// announced to the validators again at every tick after its first (`regossipOwnTransactions`) until a block
    /// takes it, or is reported `dropped` once a block leaves it out of the mempool (`reportDroppedOwnTransactions`).
    var ownTransactions: [Key256: OwnTransaction] = [:]

    var requests: [ChainRequestID: ChainRequestPurpose] = [:]
    var nextRequest: UInt64 = 1
    var writes: [ChainWriteTicket: AfterWrite] = [:]
    var nextTicket: UInt64 = 1
    /// The last committed blocks, to serve syncing peers from memory.
    var recent: [Height: RecentBlock] = [:]
    /// The bytes of `recent`'s blocks and commits.
    var recentBytes = 0
    /// Peers told of each new height.
    var neighbours: [PeerID] = []
    /// The first peer that reported the highest height this peer has heard of: after syncing to it, this peer
    /// relays the height only below that peer's bucket (`announceStatus(validatorsToo:relayingFrom:)`).
    var heightSource: (height: Height, peer: PeerID)?
    /// The signers' share of the voting power in the last commit this peer saw (0–1).
    public internal(set) var lastCommitPower: Double = 0
    var started = false
    var actions: [ChainAction] = []

    struct OwnTransaction: Sendable {
        var tx: SignedTransaction
        var ticks = 0
    }

    struct ProposedBlock: Sendable {
        var block: Block
        var encoded: ByteBuffer
        /// Nil until checked against the state.
        var valid: Bool?
    }

    struct RecentBlock: Sendable {
        var hash: Key256
        var block: ByteBuffer
        var commit: ByteBuffer

        var byteCount: Int { block.readableBytes + commit.readableBytes }
    }

    enum ChainRequestPurpose: Sendable {
        case transactions([Key256])
        case proposedBlock(Key256, from: PeerID)
        case blocks(from: Height)
    }

    enum AfterWrite: Sendable {
        case broadcast(ConsensusMessage)
        /// A block consensus decided is on disk: the next height starts after the block interval.
        case decided(Height)
        /// Blocks sync applied are on disk.
        case synced(Height)
    }

    /// A machine whose ledger is the genesis state of `rules.params` with `committed` (blocks this peer stored
    /// earlier, in height order) applied again; `lastSigned` is the `SigningRecord` this validator last stored.
    /// Throws `ChainRestoreError` when the genesis is invalid or a stored block does not apply (a damaged store).
    public init(
        rules: LedgerRules, identity: Identity?, localPeer: PeerID, config: ChainMachineConfig = ChainMachineConfig(),
        committed: [StoredBlock] = [], lastSigned: [UInt8]? = nil
    ) throws {
        self.rules = rules
        self.config = config
        self.identity = identity
        self.localPeer = localPeer
        consensusConfig = ConsensusConfig(timeouts: rules.params.timeouts)
        ledger = try config.appliedBlocks?.genesis { try LedgerState.genesis(rules.params) }
            ?? LedgerState.genesis(rules.params)
        validators = try ValidatorSet(ledger.validatorStakes(rules.params))
        mempool = Mempool(rules: rules, limits: config.mempoolLimits, committed: ledger)
        sync = BlockSync(committedHeight: 0, config: config.sync)
        if let lastSigned {
            var buffer = ByteBuffer(bytes: lastSigned)
            self.lastSigned = try buffer.readSigningRecord()
        }
        validatorPeers = peers(of: validators)
        try replay(committed)
    }

    /// Applies blocks this peer stored earlier, in height order from its current height + 1, before `start`:
    /// a driver restoring a long chain hands them over in batches instead of all at once. Their signatures were
    /// checked when they were committed. Throws `ChainRestoreError` for a block that does not apply.
    public mutating func replay(_ committed: [StoredBlock]) throws {
        precondition(!started, "stored blocks are replayed before the machine starts")
        guard !committed.isEmpty else { return }
        for stored in committed {
            let block = try Block(decoding: stored.body, params: rules.params)
            guard stored.height == ledger.height + 1,
                case .success = ledger.applyBlock(block, rules: rules, signaturesVerified: true)
            else {
                let reason = stored.height == ledger.height + 1
                    ? "\(ledger.applyingBlock(block, rules: rules, signaturesVerified: true))"
                    : "it follows height \(stored.height - 1), the state is at \(ledger.height)"
                throw ChainRestoreError.storedBlockDoesNotApply(height: stored.height, reason: reason)
            }
            validators = Self.nextValidators(after: validators, ledger: ledger, params: rules.params, block: block)
            remember(
                RecentBlock(
                    hash: stored.hash, block: ByteBuffer(bytes: stored.body), commit: ByteBuffer(bytes: stored.commit)),
                at: stored.height)
        }
        mempool = Mempool(rules: rules, limits: config.mempoolLimits, committed: ledger)
        sync = BlockSync(committedHeight: ledger.height, config: config.sync)
        validatorPeers = peers(of: validators)
    }

    // MARK: Reading

    public var chainID: ChainID { rules.chainID }
    public var params: ChainParameters { rules.params }
    public var height: Height { ledger.height }
    public var tip: Key256 { ledger.lastBlockHash }
    /// Whether this peer's key is in the next height's validator set.
    public var isValidator: Bool { identity.map { validators.contains($0.publicKey) } ?? false }
    /// Peers whose last reported height is at least this peer's.
    public var peersInSync: Int { sync.peersInSync }
    /// The highest committed height a peer reported.
    public var bestKnownHeight: Height { max(sync.bestKnownHeight, ledger.height) }
    /// The consensus round under way, when this peer is a validator in consensus.
    public var consensusRound: Round? { consensus?.round }

    /// Drains the pending actions, oldest first.
    public mutating func takeActions() -> [ChainAction] {
        // Most events ask for nothing: no buffer then. Otherwise the buffer goes to the caller whole; emptying
        // it while the caller still shares it, "keeping capacity", allocated a new one on every event.
        guard !actions.isEmpty else { return [] }
        defer { actions = [] }
        return actions
    }

    /// Starts the machine: timers, the first status, and consensus when this peer validates.
    public mutating func start(now: Instant) {
        guard !started else { return }
        started = true
        actions.append(.armTimer(.status, at: now + config.statusInterval))
        actions.append(.armTimer(.regossip, at: now + config.regossipInterval))
        announceStatus(validatorsToo: true)
        startConsensusIfValidator(now: now)
    }

    /// The peers this one tells of new heights: the nearest of `peers` in each Kademlia bucket (each length of
    /// prefix shared with this peer), then the nearest overall up to `statusFanout`.
    ///
    /// Why not just the nearest: "nearest" clusters by prefix, so in a network of 100 peers the 25 that share a
    /// 2-bit prefix have all their nearest peers among themselves; without a validator among them, no one outside
    /// ever told them a height and they stayed at 0 for good (a simulated run). One contact per bucket links every
    /// subtree of the key space to every other, as Kademlia's lookups do, so heights reach every peer in
    /// O(log n) hops.
    public mutating func setNeighbours(_ peers: [PeerID]) {
        let sorted = peers.filter { $0 != localPeer }.sorted { $0.distance(to: localPeer) < $1.distance(to: localPeer) }
        var chosen: [PeerID] = []
        var buckets: Set<Int> = []
        for peer in sorted where buckets.insert(peer.distance(to: localPeer).leadingZeroBitCount).inserted {
            chosen.append(peer)
        }
        let picked = Set(chosen)
        for peer in sorted where chosen.count < config.statusFanout && !picked.contains(peer) { chosen.append(peer) }
        neighbours = chosen
    }

    /// A peer left: its sync ranges go to others.
    public mutating func peerLost(_ peer: PeerID) {
        sync.peerLost(peer)
    }

    // MARK: Helpers shared by the extensions

    func peers(of set: ValidatorSet) -> [PeerID] {
        set.validators.map(\.publicKey.peerID).filter { $0 != localPeer }
    }

    mutating func newRequest(_ purpose: ChainRequestPurpose, _ request: ChainRequest, to peer: PeerID) {
        let id = ChainRequestID(rawValue: nextRequest)
        nextRequest += 1
        requests[id] = purpose
        actions.append(.request(id, request, to: peer))
    }

    mutating func write(_ write: ChainWrite, then after: AfterWrite) {
        let ticket = ChainWriteTicket(rawValue: nextTicket)
        nextTicket += 1
        writes[ticket] = after
        actions.append(.write(ticket, write))
    }

    /// Tells the neighbours this peer's committed height, and, when `validatorsToo` and this peer validates, the
    /// other validators. After a commit (`validatorsToo` false) a neighbour that already reported this height
    /// or a later one is not told: it is the one this peer learnt the height from, and each link then carries
    /// a height one way instead of both (half a simulated network's statuses).
    ///
    /// A follower never tells the validators, and after a commit a validator tells only its neighbours: the
    /// validators commit each height together, and a validator left behind learns it from the votes of a
    /// later height (`voteArrived`) or from the status every `statusInterval`. A status to every validator after
    /// every block was a third of a simulated chain's messages (1,000 peers and 100 validators: 10,000 statuses
    /// a block against 20,000 votes). In a fixed order (neighbours first), not a `Set`'s, so that one seed
    /// gives one simulated run.
    ///
    /// `source`: the peer this one learnt the height from. The height then goes only to the neighbours that
    /// share more leading bits with this peer than `source` does, as Kadcast relays a broadcast down the
    /// Kademlia tree (Rohrer and Tschorsch 2019, §3): whoever told this peer covers the other subtrees, and this
    /// peer covers its own. A committing validator (no source) tells a neighbour in every bucket, so each
    /// validator starts one tree; a subtree whose relay is gone learns the height from another validator's tree
    /// or from the status every `statusInterval`. Each peer telling every neighbour after every block was ten
    /// statuses a peer a block, most of a simulated storage network's messages.
    mutating func announceStatus(validatorsToo: Bool, relayingFrom source: PeerID? = nil) {
        let status = ChainAnnouncement.status(height: ledger.height, tip: ledger.lastBlockHash)
        let depth = source.map { $0.distance(to: localPeer).leadingZeroBitCount }
        var told: Set<PeerID> = []
        for peer in neighbours + (validatorsToo && isValidator ? validatorPeers : []) where told.insert(peer).inserted {
            if !validatorsToo, sync.reportedHeight(of: peer) >= ledger.height { continue }
            if let depth, peer.distance(to: localPeer).leadingZeroBitCount <= depth { continue }
            actions.append(.announce(status, to: peer))
        }
    }

    mutating func log(_ level: ChainLogLevel, _ message: String) {
        actions.append(.log(level: level, message: message))
    }

    /// The set of the height after the one `ledger` just committed: the stakes as they stand, priorities carried
    /// over, advanced one height (`ValidatorSet.updated(with:)`). A block that would leave no validator keeps
    /// the old set, which alone can still commit the next block.
    ///
    /// A block with no transaction that can move stake (bond, unbond, or a ledger extension's, which may slash)
    /// leaves every stake as it was: the set then only advances, with no scan of the accounts
    /// (`stakesMayHaveChanged(in:)`).
    static func nextValidators(
        after set: ValidatorSet, ledger: LedgerState, params: ChainParameters, block: Block? = nil
    ) -> ValidatorSet {
        if let block, !stakesMayHaveChanged(in: block) { return set.advanced(byHeights: 1) }
        var changes = ledger.validatorStakes(params)
        let staying = Set(changes.map(\.0))
        for validator in set.validators where !staying.contains(validator.publicKey) {
            changes.append((validator.publicKey, 0))
        }
        guard let updated = try? set.updated(with: changes) else { return set.advanced(byHeights: 1) }
        return updated.advanced(byHeights: 1)
    }
}

extension ChainMachine {
    /// Whether `block` holds a transaction that can change a stake.
    static func stakesMayHaveChanged(in block: Block) -> Bool {
        block.transactions.contains {
            switch $0.transaction.kind {
            case .bond, .unbond, .extension: true
            case .transfer, .faucet: false
            }
        }
    }
}

/// Why a stored chain could not be loaded.
public enum ChainRestoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case storedBlockDoesNotApply(height: Height, reason: String)

    public var description: String {
        switch self {
        case .storedBlockDoesNotApply(let height, let reason):
            "stored block \(height) does not apply to the state before it (\(reason)); the chain store is damaged"
        }
    }
}

extension ConsensusConfig {
    /// Tendermint's timeouts as the genesis sets them.
    init(timeouts: ConsensusTimeouts) {
        self.init()
        proposeMilliseconds = Int64(clamping: timeouts.proposeMs)
        proposeDeltaMilliseconds = Int64(clamping: timeouts.proposeDeltaMs)
        prevoteMilliseconds = Int64(clamping: timeouts.prevoteMs)
        prevoteDeltaMilliseconds = Int64(clamping: timeouts.prevoteDeltaMs)
        precommitMilliseconds = Int64(clamping: timeouts.precommitMs)
        precommitDeltaMilliseconds = Int64(clamping: timeouts.precommitDeltaMs)
    }
}
