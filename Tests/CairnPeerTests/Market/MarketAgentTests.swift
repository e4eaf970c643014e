import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import NIOCore
import Testing

@testable import CairnPeer

/// The market agent as a pure machine, over ledger states built block by block: the faucet then the
/// registration, no second submission while one is pending, a retry after a loss, and a proof for each challenge
/// whose shard is stored (none for a missing one).
@Suite struct MarketAgentTests {
    static let chainID = ChainID(SHA256.hash(Array("market agent tests".utf8)))
    let provider = Identity(seed: [UInt8](repeating: 0x01, count: 32))!
    let owner = Identity(seed: [UInt8](repeating: 0x0a, count: 32))!
    let validator = Identity(seed: [UInt8](repeating: 0x77, count: 32))!
    let market = MarketParameters(
        epochBlocks: 4, proofWindowBlocks: 3, freeAllowanceBytes: 0, minProviderStake: Amount(1_000),
        proposerFeePerMille: 100, repairFeePerMille: 50, missesBeforeRepair: 2, penaltyBase: Amount(10),
        penaltyCap: Amount(40), maxProofsPerTx: 4_096, proofSamplePerProvider: 128,
        defaultDurationEpochs: 6)
    var params: ChainParameters

    init() {
        var params = ChainParameters.localTestnet
        params.minFee = Amount(10)
        params.minValidatorStake = Amount(1_000)
        params.maxTxBytes = UInt32(SignedTransaction.maxEncodedBytes)
        params.maxBlockBytes = 2 << 20
        // Two faucet requests make the stake and the fee.
        params.faucet = FaucetParameters(amount: Amount(600), cooldownBlocks: 2)
        params.initialAccounts = [owner.publicKey.address: Amount(1_000_000)]
        params.initialValidators = [validator.publicKey.address: Amount(1_000_000)]
        params.market = market
        self.params = params
    }

    var rules: LedgerRules {
        LedgerRules(
            params: params, chainID: Self.chainID, extensions: LedgerExtensions([MarketExtension(parameters: market)]))
    }

    func agent() -> MarketAgent {
        MarketAgent(
            config: MarketAgentConfig(capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(1_000)),
            local: provider.publicKey, address: "127.0.0.1:4101")
    }

    func sign(_ who: Identity, _ kind: TransactionKind, on state: LedgerState) -> SignedTransaction {
        SignedTransaction(
            signing: Transaction(
                chainID: Self.chainID, sender: who.publicKey, nonce: state.nextNonce(of: who.publicKey),
                fee: Amount(10), kind: kind),
            with: who)
    }

    /// What the provider must prove in `state`'s epoch.
    func due(_ state: LedgerState) -> [(agreementID: Key256, challenge: StorageChallenge)] {
        MarketState.of(state).challenges(for: provider.publicKey, parameters: market)
    }

    func commit(_ txs: [SignedTransaction], on state: inout LedgerState) {
        let header = BlockHeader(
            chainID: Self.chainID, height: state.height + 1, previousHash: state.lastBlockHash,
            timeMs: state.lastBlockTimeMs + 500, proposer: validator.publicKey,
            transactionRoot: TransactionRoot.of(txs), transactionCount: UInt32(txs.count))
        let result = state.applyBlock(
            Block(header: header, transactions: txs), rules: rules, signaturesVerified: false)
        if case .failure(let reason) = result { Issue.record("block \(state.height + 1): \(reason)") }
    }

    /// Tells the agent of `state` and returns the submissions it asks for, each signed on `state` and reported
    /// back as in the mempool.
    func step(
        _ agent: inout MarketAgent, _ state: LedgerState, inMempool: Set<Key256> = [], caughtUp: Bool = true
    ) -> [(MarketAgent.Purpose, SignedTransaction)] {
        agent.committed(
            height: state.height, ledger: state, chain: params, caughtUp: caughtUp, inMempool: inMempool)
        return submissions(&agent, state)
    }

    func submissions(_ agent: inout MarketAgent, _ state: LedgerState) -> [(MarketAgent.Purpose, SignedTransaction)] {
        var out: [(MarketAgent.Purpose, SignedTransaction)] = []
        for case .submit(let kind, let purpose) in agent.takeEffects() {
            let tx = sign(provider, kind, on: state)
            agent.submitted(purpose, .success(tx.hash), height: state.height)
            out.append((purpose, tx))
        }
        return out
    }

    @Test func asksTheFaucetThenRegistersOnce() throws {
        var state = try LedgerState.genesis(params)
        var agent = agent()
        #expect(step(&agent, state, caughtUp: false).isEmpty, "nothing before the chain is caught up")

        var sent = step(&agent, state)
        #expect(sent.map(\.0) == [.faucet])
        #expect(step(&agent, state, inMempool: [sent[0].1.hash]).isEmpty, "no second request while one is pending")
        commit([sent[0].1], on: &state)

        // 600 is not 1,000 of stake and the fee: the faucet again, once its cooldown has passed.
        #expect(step(&agent, state).isEmpty, "the cooldown of 2 blocks")
        commit([], on: &state)
        sent = step(&agent, state)
        #expect(sent.map(\.0) == [.faucet])
        commit([sent[0].1], on: &state)

        sent = step(&agent, state)
        #expect(sent.map(\.0) == [.register])
        #expect(step(&agent, state, inMempool: [sent[0].1.hash]).isEmpty)
        commit([sent[0].1], on: &state)
        let registered = MarketState.of(state).providers[provider.publicKey]
        #expect(registered?.stake == Amount(1_000))
        #expect(registered?.address == "127.0.0.1:4101")
        #expect(registered?.capacityBytes == 1 << 30)

        #expect(step(&agent, state).isEmpty)
        commit([], on: &state)
        #expect(step(&agent, state).isEmpty, "a provider registers once")
    }

    @Test func aLostSubmissionIsSentAgainAfterAFewBlocks() throws {
        var state = try LedgerState.genesis(params)
        var agent = agent()
        let first = step(&agent, state)
        #expect(first.map(\.0) == [.faucet])
        // Dropped: neither committed nor in the mempool.
        for _ in 1..<agent.config.retryAfterBlocks {
            commit([], on: &state)
            #expect(step(&agent, state).isEmpty)
        }
        commit([], on: &state)
        let again = step(&agent, state)
        #expect(again.map(\.0) == [.faucet])
        #expect(agent.takeEffects().isEmpty)
    }

    @Test func aRefusedSubmissionWaitsThenTriesAgain() throws {
        var state = try LedgerState.genesis(params)
        var agent = agent()
        agent.committed(height: 0, ledger: state, chain: params, caughtUp: true, inMempool: [])
        _ = agent.takeEffects()
        agent.submitted(.faucet, .failure(.undecodable("test")), height: 0)
        #expect(agent.takeEffects().contains { if case .log(let e) = $0 { e.level == .warning } else { false } })
        commit([], on: &state)
        #expect(step(&agent, state).isEmpty)
        for _ in 1..<agent.config.retryAfterBlocks { commit([], on: &state) }
        #expect(step(&agent, state).map(\.0) == [.faucet])
    }

    /// A provider with nothing to prove checks in (fee-free) in the last epoch it is sure to be online, after that
    /// epoch's proof window, once; committed, it stays online block after block with one check-in every
    /// `livenessEpochs − 1` epochs (one epoch of margin for the check-in to commit).
    @Test func aProviderWithNothingToProveChecksInBeforeItGoesOffline() throws {
        var state = try LedgerState.genesis(params)
        var agent = agent()
        var checkIns: [UInt64] = []
        for _ in 0..<80 {
            var include: [SignedTransaction] = []
            for (purpose, tx) in step(&agent, state) {
                if purpose == .checkIn {
                    #expect(rules.minimumFee(for: tx.transaction.kind) == .zero, "a check-in is free")
                    checkIns.append(MarketState.of(state).epoch)
                    // Still pending in the mempool at the next block: not sent twice.
                    #expect(step(&agent, state, inMempool: [tx.hash]).isEmpty)
                }
                include.append(tx)
            }
            commit(include, on: &state)
            let market = MarketState.of(state)
            if let record = market.providers[provider.publicKey] {
                #expect(record.isOnline(in: market.epoch, livenessEpochs: self.market.livenessEpochs))
            }
        }
        // Registered in epoch 1, then online through 80 blocks (20 epochs of 4) on a check-in every 2 epochs.
        #expect(checkIns.count >= 8)
        #expect(zip(checkIns, checkIns.dropFirst()).allSatisfy { $1 - $0 == self.market.livenessEpochs - 1 })
    }

    // MARK: - Proofs

    /// A registered provider (p), an agreement for every slot of `file` held by p, and the state at the first
    /// block of the epoch where they are challenged.
    func challengedState(_ file: AgentTestFile, agent: inout MarketAgent) throws -> LedgerState {
        var state = try openedState(file)
        while due(state).isEmpty { commit([], on: &state) }
        return state
    }

    /// The state at the block that opened the agreements: not challenged yet.
    func openedState(_ file: AgentTestFile) throws -> LedgerState {
        var state = try LedgerState.genesis(params)
        commit([sign(owner, .transfer(to: provider.publicKey, amount: Amount(10_000)), on: state)], on: &state)
        commit(
            [sign(provider, MarketTransaction.registerProvider(
                capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(1_000), stake: Amount(1_000),
                address: "127.0.0.1:4101"), on: state)], on: &state)
        let slots = (0..<file.descriptor.parameters.n).map {
            SlotPlacement(slot: $0, of: file.descriptor, provider: provider.publicKey)
        }
        commit(
            [sign(owner, MarketTransaction.openAgreements(fileID: file.descriptor.fileID, slots: slots), on: state)],
            on: &state)
        return state
    }

    /// Carries the agent's effects out against `file`: the descriptor from one keeper, shard proofs from
    /// `stored` (slot → present; a read of a `silent` slot never comes back); returns the proofs transactions it
    /// submitted.
    func serve(
        _ agent: inout MarketAgent, _ file: AgentTestFile, stored: Set<Int>, silent: Set<Int> = [],
        state: LedgerState
    ) -> (txs: [SignedTransaction], logs: [PeerLogEntry]) {
        var txs: [SignedTransaction] = []
        var logs: [PeerLogEntry] = []
        let keeper = PeerInfo(id: SHA256.hash([1]), address: PeerAddress(parsing: "127.0.0.1:4102")!)
        var rounds = 0
        while rounds < 100 {
            rounds += 1
            let effects = agent.takeEffects()
            if effects.isEmpty { break }
            for effect in effects {
                switch effect {
                case .readDescriptor(let ticket, let fileID):
                    #expect(fileID == file.descriptor.fileID)
                    agent.storeCompleted(ticket, .blob(nil))
                case .lookUp(let fileID):
                    #expect(fileID == file.descriptor.fileID)
                    agent.lookedUp(fileID, keepers: [keeper])
                case .askDescriptor(let fileID, _):
                    agent.descriptorAnswered(fileID, bytes: file.descriptor.encoded())
                case .prove(let ticket, let shard, let leaf):
                    let (segment, slot) = file.locate(shard)!
                    if silent.contains(slot) { continue }
                    if stored.contains(slot) {
                        let (bytes, path) = file.shards[segment][slot].withUnsafeBytes {
                            ShardCommitment.proof(leaf: leaf, of: $0)!
                        }
                        agent.storeCompleted(ticket, .proof(leaf: ByteBuffer(bytes: bytes), path: path))
                    } else {
                        agent.storeCompleted(ticket, .failed(.shardNotFound(shard)))
                    }
                case .submit(let kind, let purpose):
                    let tx = sign(provider, kind, on: state)
                    txs.append(tx)
                    agent.submitted(purpose, .success(tx.hash), height: state.height)
                case .log(let entry):
                    logs.append(entry)
                case .repairSlot, .keepDescriptor, .releaseShards:
                    break
                }
            }
        }
        return (txs, logs)
    }

    @Test func provesEveryChallengeWhoseShardIsStored() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        var state = try challengedState(file, agent: &agent)
        let due = self.due(state)
        #expect(due.count == file.descriptor.parameters.n)

        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let (txs, _) = serve(&agent, file, stored: Set(0..<file.descriptor.parameters.n), state: state)
        #expect(txs.count == 1, "one batch")
        commit(txs, on: &state)
        #expect(Set(MarketState.of(state).provedThisEpoch) == Set(due.map(\.agreementID)))

        // Proved: nothing more this epoch, and the descriptor is not fetched again next epoch.
        agent.committed(
            height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: Set(txs.map(\.hash)))
        #expect(agent.takeEffects().allSatisfy { if case .submit = $0 { false } else { true } })
        while self.due(state).isEmpty { commit([], on: &state) }
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let next = agent.takeEffects()
        #expect(!next.contains { if case .lookUp = $0 { true } else { false } }, "the slot's shard IDs are cached")
        #expect(next.filter { if case .prove = $0 { true } else { false } }.count == file.descriptor.parameters.n)
    }

    /// The descriptor of a new agreement is fetched when the agreement commits, before its first challenge: at
    /// the challenge the proofs go at once, with no lookup in the proof window.
    @Test func aNewAgreementsDescriptorIsFetchedBeforeItsFirstChallenge() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        var state = try openedState(file)
        #expect(due(state).isEmpty, "not challenged yet")
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let early = agent.takeEffects()
        let reads = early.compactMap { if case .readDescriptor(let ticket, _) = $0 { ticket } else { nil } }
        #expect(reads.count == 1, "the peer's own blob store is read first")
        #expect(!early.contains { if case .lookUp = $0 { true } else { false } })
        agent.storeCompleted(reads[0], .blob(nil))
        #expect(agent.takeEffects().filter { if case .lookUp = $0 { true } else { false } }.count == 1,
                "not there: one lookup for the file")
        let keeper = PeerInfo(id: SHA256.hash([1]), address: PeerAddress(parsing: "127.0.0.1:4102")!)
        agent.lookedUp(file.descriptor.fileID, keepers: [keeper])
        let asked = agent.takeEffects()
        #expect(asked.contains { if case .askDescriptor = $0 { true } else { false } })
        agent.descriptorAnswered(file.descriptor.fileID, bytes: file.descriptor.encoded())
        #expect(agent.slots.count == file.descriptor.parameters.n)
        // A copy kept, for repairers once the keepers are gone.
        #expect(agent.takeEffects().contains {
            guard case .keepDescriptor(_, let id, let bytes, _) = $0 else { return false }
            return id == file.descriptor.fileID && bytes == file.descriptor.encoded()
        })
        // Nothing asked again on the next blocks; at the challenge, straight to the shard reads.
        var challenged: [MarketAgentEffect] = []
        while challenged.isEmpty {
            commit([], on: &state)
            agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
            let effects = agent.takeEffects()
            if due(state).isEmpty {
                #expect(!effects.contains { if case .lookUp = $0 { true } else { false } })
            } else {
                challenged = effects
            }
        }
        #expect(!challenged.contains { if case .lookUp = $0 { true } else { false } }, "\(challenged)")
        let proofs = challenged.filter { if case .prove = $0 { true } else { false } }
        #expect(proofs.count == file.descriptor.parameters.n)
    }

    /// Tells `agent` of `state`'s last block; the tickets of the descriptor reads it asks of its own store.
    func committedReads(_ agent: inout MarketAgent, _ state: LedgerState) -> [StoreTicket] {
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        return agent.takeEffects().compactMap { if case .readDescriptor(let ticket, _) = $0 { ticket } else { nil } }
    }

    /// Once the owner's end of an agreement commits, its provider drops the slot's shards, under the file's
    /// reference; the other slots' agreements, still open, keep theirs.
    @Test func theShardsOfAnEndedAgreementAreDroppedOnceTheEndCommits() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        var state = try openedState(file)
        let reads = committedReads(&agent, state)
        agent.storeCompleted(try #require(reads.first), .blob(ByteBuffer(bytes: file.descriptor.encoded())))
        _ = agent.takeEffects()
        let open = MarketState.of(state).openAgreements(ofFile: file.descriptor.fileID)
        #expect(open.count == file.descriptor.parameters.n)
        let ended = try #require(open.first { $0.slot == 2 })

        commit([], on: &state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        #expect(!agent.takeEffects().contains { if case .releaseShards = $0 { true } else { false } }, "all open")

        commit([sign(owner, MarketTransaction.end(agreementID: ended.id), on: state)], on: &state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let released = agent.takeEffects().compactMap {
            if case .releaseShards(_, let reference, let shards) = $0 { (reference, shards) } else { nil }
        }
        #expect(released.count == 1)
        #expect(released.first?.0 == ShardReference(file: file.descriptor.fileNonce, owner: owner.peerID))
        #expect(released.first?.1 == file.descriptor.shardIDs.map { $0[2] }, "slot 2 of every segment")

        commit([], on: &state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        #expect(!agent.takeEffects().contains { if case .releaseShards = $0 { true } else { false } }, "once")
    }

    /// A provider that was stopped while an agreement of its closed drops that slot's shards after its start,
    /// from the descriptor kept in its own blob store; the slots still open keep theirs, and it is done once.
    @Test func aSlotClosedWhileThePeerWasStoppedIsDroppedAfterTheStart() throws {
        let file = try AgentTestFile.make()
        var state = try openedState(file)
        let open = MarketState.of(state).openAgreements(ofFile: file.descriptor.fileID)
        let last = file.descriptor.parameters.n - 1
        let ended = try #require(open.first { Int($0.slot) == last })
        commit([sign(owner, MarketTransaction.end(agreementID: ended.id), on: state)], on: &state)

        // A fresh agent: the peer's start, with the end already committed.
        var agent = agent()
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let reads = agent.takeEffects().compactMap {
            if case .readDescriptor(let ticket, let fileID) = $0 { (ticket, fileID) } else { nil }
        }
        let reconcile = try #require(reads.first { agent.reconcileReads[$0.0] != nil })
        #expect(reconcile.1 == file.descriptor.fileID)
        #expect(agent.reconcileReads.count == 1, "only the closed agreement")
        agent.storeCompleted(reconcile.0, .blob(ByteBuffer(bytes: file.descriptor.encoded())))
        let released = agent.takeEffects().compactMap {
            if case .releaseShards(_, let reference, let shards) = $0 { (reference, shards) } else { nil }
        }
        #expect(released.count == 1)
        #expect(released.first?.0 == file.descriptor.reference)
        #expect(released.first?.1 == file.descriptor.shardIDs.map { $0[last] }, "the last slot of every segment")

        commit([], on: &state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        #expect(agent.reconcileQueue == [] && agent.reconcileReads.isEmpty, "once per start")

        // The slot opened again under a new agreement with this provider before the read came back: its new
        // shards stay.
        var again = self.agent()
        again.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let pending = try #require(again.reconcileReads.keys.first)
        _ = again.takeEffects()
        let reopen = SlotPlacement(slot: last, of: file.descriptor, provider: provider.publicKey)
        var reopened = state
        commit([sign(owner, MarketTransaction.openAgreements(fileID: file.descriptor.fileID, slots: [reopen]),
                     on: reopened)], on: &reopened)
        #expect(MarketState.of(reopened).openAgreements(ofFile: file.descriptor.fileID).count == last + 1)
        again.committed(height: reopened.height, ledger: reopened, chain: params, caughtUp: true, inMempool: [])
        _ = again.takeEffects()
        again.storeCompleted(pending, .blob(ByteBuffer(bytes: file.descriptor.encoded())))
        #expect(!again.takeEffects().contains { if case .releaseShards = $0 { true } else { false } })

        // No descriptor kept here: nothing is known of the slot, and nothing is released.
        var bare = self.agent()
        bare.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let ticket = try #require(bare.reconcileReads.keys.first)
        _ = bare.takeEffects()
        bare.storeCompleted(ticket, .blob(nil))
        #expect(!bare.takeEffects().contains { if case .releaseShards = $0 { true } else { false } })
    }

    /// A descriptor this peer keeps already (it is one of the file's keepers) costs no lookup and no request.
    @Test func aDescriptorKeptHereIsReadFromTheBlobStoreAlone() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        let state = try openedState(file)
        let reads = committedReads(&agent, state)
        #expect(reads.count == 1)
        // A copy that is not the descriptor (another file's bytes) is not taken: the keepers are asked.
        var forged = file.descriptor.encoded()
        forged[forged.count - 1] ^= 1
        var other = agent
        other.storeCompleted(reads[0], .blob(ByteBuffer(bytes: forged)))
        #expect(other.slots.isEmpty)
        #expect(other.takeEffects().contains { if case .lookUp = $0 { true } else { false } })

        agent.storeCompleted(reads[0], .blob(ByteBuffer(bytes: file.descriptor.encoded())))
        #expect(agent.slots.count == file.descriptor.parameters.n)
        let after = agent.takeEffects()
        #expect(!after.contains {
            switch $0 {
            case .lookUp, .askDescriptor, .keepDescriptor: true
            default: false
            }
        }, "\(after)")
    }

    /// A read that does not come back holds the batch only until two blocks before the window closes: then the
    /// other proofs go, so that one slow shard does not cost the provider every agreement's epoch.
    @Test func proofsGoWithoutAStragglerBeforeTheWindowCloses() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        var state = try challengedState(file, agent: &agent)
        let n = file.descriptor.parameters.n
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        var (txs, _) = serve(&agent, file, stored: Set(0..<n), silent: [0], state: state)
        #expect(txs.isEmpty, "still gathering with the window open")
        commit([], on: &state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        (txs, _) = serve(&agent, file, stored: Set(0..<n), silent: [0], state: state)
        #expect(txs.count == 1)
        commit(txs, on: &state)
        #expect(MarketState.of(state).provedThisEpoch.count == n - 1)
        agent.committed(
            height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: Set(txs.map(\.hash)))
        #expect(!agent.takeEffects().contains { if case .submit = $0 { true } else { false } }, "posted once")
    }

    @Test func aMissingShardGivesNoProofAndAWarning() throws {
        let file = try AgentTestFile.make()
        var agent = agent()
        var state = try challengedState(file, agent: &agent)
        let market0 = MarketState.of(state)
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let (txs, logs) = serve(&agent, file, stored: [0, 1, 2], state: state)
        #expect(txs.count == 1)
        commit(txs, on: &state)
        let missing = market0.agreements(ofProvider: provider.publicKey).first { $0.slot == 3 }!
        #expect(MarketState.of(state).provedThisEpoch.count == 3)
        #expect(!MarketState.of(state).provedThisEpoch.contains(missing.id))
        #expect(logs.contains { $0.level == .warning && $0.message.contains(missing.id.shortHex) })
        // Warned before the epoch is settled: the miss to come, its penalty and when.
        let before = try #require(agent.proofWarnings.first)
        #expect(agent.proofWarnings.count == 1)
        #expect(before.contains(missing.id.shortHex) && before.contains("miss 1 in a row"))
        #expect(before.contains("takes \(market.penaltyBase.baseUnits) base units of stake"))
        #expect(MarketState.of(state).agreements[missing.id]?.penaltiesTotal == .zero)

        // The settlement counts the miss; the agent says so, and so does the provider's status.
        let clock = MarketClock(market)
        while !clock.isLastBlock(state.height) { commit([], on: &state) }
        agent.committed(height: state.height, ledger: state, chain: params, caughtUp: true, inMempool: [])
        let warnings = agent.takeEffects().compactMap { effect -> String? in
            if case .log(let entry) = effect, entry.level == .warning { entry.message } else { nil }
        }
        #expect(warnings.contains { $0.contains("missed its proof of storage") && $0.contains(missing.id.shortHex) })
        let status = MarketState.of(state).status(ofProvider: provider.publicKey, parameters: market)
        #expect(status?.warnings.contains { $0.contains("1 more and it is marked for repair") } == true)
    }
}

/// A real file (a 2-of-4 code, four segments) and its shards.
struct AgentTestFile {
    var descriptor: Descriptor
    /// shards[segment][slot]
    var shards: [[[UInt8]]]

    static func make() throws -> AgentTestFile {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        var pipeline = try PutPipeline(parameters: parameters)
        var bytes = [UInt8](repeating: 0, count: 200_000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 8) }
        var encoded = try pipeline.append(bytes)
        if let last = try pipeline.finish() { encoded.append(last) }
        let descriptor = try Descriptor(
            fileSize: pipeline.fileSize, parameters: parameters, fileNonce: pipeline.fileNonce,
            shardIDs: encoded.map(\.shardIDs), created: .seconds(1_700_000_000),
            metadata: FileMetadata(name: "agent.bin"), fileKey: pipeline.fileKey,
            owner: Identity(seed: [UInt8](repeating: 0x0a, count: 32))!)
        return AgentTestFile(
            descriptor: descriptor, shards: encoded.map { s in (0..<s.shardCount).map { s.shardBytes($0) } })
    }

    func locate(_ shard: ShardID) -> (segment: Int, slot: Int)? {
        for segment in 0..<descriptor.segmentCount {
            for slot in 0..<descriptor.parameters.n where descriptor.shardIDs(ofSlot: slot)[segment] == shard {
                return (segment, slot)
            }
        }
        return nil
    }
}
