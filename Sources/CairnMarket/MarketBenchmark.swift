import CairnChain
import CairnCrypto
import CairnStorage

/// What one epoch of a provider's proofs costs the chain: bytes, transactions, blocks, and the CPU to validate
/// them and to settle the epoch. The only code in this target that reads a clock, and only the one it is given.
/// Target (issue 9): a provider with 10,000 agreements posts its proofs for an epoch in at most a few
/// transactions, and validating them (with the settlement that pays all its agreements) costs the other peers at
/// most 1 s of CPU.
public enum MarketBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public let agreements: Int
        /// Agreements in the epoch's audit sample (`MarketParameters.proofSamplePerProvider`): the proofs posted.
        public let challenged: Int
        /// Proofs the ledger accepted as valid (all the challenged, when the benchmark is right).
        public let proved: Int
        /// Agreements the settling block paid (all of them, when the benchmark is right).
        public let paid: Int
        public let transactions: Int
        /// Bytes of the signed proof transactions.
        public let bytes: Int
        /// Blocks of `maxBlockBytes` they fill.
        public let blocks: Int
        public let maxTxBytes: Int
        public let maxBlockBytes: Int
        /// Validate-and-apply of every proof transaction, Ed25519 and the Merkle paths included.
        public let cpuSeconds: Double
        /// Applying the epoch's settling block (no transaction): every agreement paid or penalized.
        public let settleSeconds: Double
        /// What the other peers pay for the provider's epoch: `cpuSeconds` + `settleSeconds`.
        public var totalSeconds: Double { cpuSeconds + settleSeconds }
        /// Parts of it, measured apart: `StorageProof.verify` alone, the payload decoding alone (the ledger
        /// decodes twice: in the check and in the apply), Ed25519 alone.
        public let verifySeconds: Double
        public let decodeSeconds: Double
        public let signatureSeconds: Double
        /// The SHA-256 the proof checks must do, alone (a 1 KiB leaf, 15 inner nodes and the challenge seed per
        /// proof, through the C library): the floor under `verifySeconds` whatever the build.
        public let hashingSeconds: Double

        public var description: String {
            "\(agreements) agreements with one provider, \(challenged) challenged this epoch: \(challenged) proofs "
                + "(\(bytes / max(1, challenged)) bytes each) in \(transactions) transactions of at most \(maxTxBytes) "
                + "bytes, \(bytes) bytes in all (\(blocks) blocks of \(maxBlockBytes) bytes); validated and applied in "
                + "\(String(format: "%.3f", cpuSeconds)) s, \(proved) accepted; the epoch settled (\(paid) agreements "
                + "paid) in \(String(format: "%.3f", settleSeconds)) s; together "
                + "\(String(format: "%.3f", totalSeconds)) s (target ≤ 1 s). Of the validation: proof checks "
                + "\(String(format: "%.3f", verifySeconds)) s, one decoding "
                + "\(String(format: "%.3f", decodeSeconds)) s, Ed25519 \(String(format: "%.3f", signatureSeconds)) s, "
                + "SHA-256 alone \(String(format: "%.3f", hashingSeconds)) s"
        }
    }

    /// Opens `count` agreements with one provider, all for one 16-segment slot of 1 MiB shards (a 64 MiB file
    /// under a 4-of-8 code: a proof carries a 1 KiB leaf, 10 + 4 hashes), moves to the first epoch where they
    /// run, derives which the audit sample of `sample` per provider challenges, builds those
    /// proofs, packs them into transactions of at most `maxTxBytes` (the codec's 64 KiB), and times their
    /// validation and application one after the other, as a peer does for blocks from another proposer; then
    /// times the epoch's settling block, which pays every agreement. Setup is not timed.
    public static func verifyProofs(
        agreements count: Int = 10_000, sample: UInt32 = MarketParameters.localNetwork.proofSamplePerProvider,
        maxBlockBytes: Int = 1 << 20, clock: some Clock<Duration> = ContinuousClock()
    ) -> Result {
        let chainID = ChainID(SHA256.hash(Array("cairn bench market".utf8)))
        let provider = Identity(seed: [UInt8](repeating: 0x51, count: 32))!
        let owner = Identity(seed: [UInt8](repeating: 0x52, count: 32))!
        let validator = ChainParameters.localTestnetIdentity(0)
        var params = ChainParameters.localTestnet
        params.minFee = Amount(1)
        params.maxTxBytes = UInt32(SignedTransaction.maxEncodedBytes)
        params.maxBlockBytes = UInt32(Block.maxEncodedBytes)
        var market = MarketParameters.localNetwork
        market.freeAllowanceBytes = 0
        market.proofSamplePerProvider = sample
        params.market = market
        params.initialAccounts[provider.publicKey.address] = Amount(1_000_000_000)
        params.initialAccounts[owner.publicKey.address] = Amount(1_000_000_000_000)
        let rules = LedgerRules(
            params: params, chainID: chainID, extensions: LedgerExtensions([MarketExtension(parameters: market)]))
        var state = try! LedgerState.genesis(params)
        var nonces: [PublicKey: UInt64] = [:]
        func sign(_ who: Identity, _ kind: TransactionKind) -> SignedTransaction {
            let nonce = nonces[who.publicKey, default: 0]
            nonces[who.publicKey] = nonce + 1
            return SignedTransaction(
                signing: Transaction(
                    chainID: chainID, sender: who.publicKey, nonce: nonce, fee: Amount(1), kind: kind), with: who)
        }
        let builder = BlockBuilder(rules: rules)
        func commit(_ txs: [SignedTransaction]) {
            state =
                builder.build(
                    on: state, proposer: validator.publicKey, timeMs: state.lastBlockTimeMs + 500,
                    candidates: txs
                ).state
        }

        // One slot: 16 shards of 1 MiB.
        let shards = (0..<16).map { segment in
            (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13 ^ segment) }
        }
        let trees = shards.map { shard in
            MerkleTree(
                leafHashes: (0..<ShardCommitment.leafCount(shardLength: shard.count)).map { leaf in
                    shard.withUnsafeBytes {
                        MerkleTree.leafHash(
                            bytes: UnsafeRawBufferPointer(
                                rebasing: $0[ShardCommitment.leafRange(leaf, shardLength: shard.count)]))
                    }
                })
        }
        let slotTree = MerkleTree(leaves: trees.map(\.root))

        commit([
            sign(
                provider,
                MarketTransaction.registerProvider(
                    capacityBytes: 1 << 50, pricePerGiBEpoch: Amount(1), stake: market.minProviderStake,
                    address: "127.0.0.1:4100"))
        ])
        var opens: [SignedTransaction] = []
        var opened = 0
        while opened < count {
            let batch = min(MarketAction.maxSlotsPerOpen, count - opened)
            let slots = (0..<batch).map {
                SlotPlacement(
                    slot: UInt16($0), provider: provider.publicKey, slotRoot: slotTree.root, segmentCount: 16,
                    shardLength: 1 << 20, lastShardLength: 1 << 20)
            }
            opens.append(
                sign(
                    owner,
                    MarketTransaction.openAgreements(
                        fileID: SHA256.hash(Array("file \(opened)".utf8)), slots: slots)))
            opened += batch
        }
        commit(opens)
        let clockRules = MarketClock(market)
        while MarketState.of(state).epoch < 1 || clockRules.offset(of: state.height + 1) != 1 { commit([]) }

        let current = MarketState.of(state)
        let entries = current.challenges(for: provider.publicKey, parameters: market).map { due in
            let challenge = due.challenge
            let tree = trees[challenge.segment]
            let range = ShardCommitment.leafRange(challenge.leaf, shardLength: 1 << 20)
            return ProofBatch.Entry(
                agreementID: due.agreementID,
                proof: StorageProof(
                    segment: challenge.segment, leaf: challenge.leaf,
                    leafBytes: Array(shards[challenge.segment][range]),
                    shardPath: tree.proof(forLeafAt: challenge.leaf)!, shardID: tree.root,
                    slotPath: slotTree.proof(forLeafAt: challenge.segment)!))
        }
        let batches = MarketTransaction.proofBatches(
            epoch: current.epoch, entries: entries, maxTxBytes: Int(params.maxTxBytes),
            maxProofs: Int(market.maxProofsPerTx))
        let transactions = batches.map { sign(provider, MarketTransaction.kind(.postProofs($0))) }
        let bytes = transactions.reduce(0) { $0 + $1.byteCount }

        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let verifying = clock.measure {
            for entry in entries {
                guard let agreement = current.agreements[entry.agreementID] else { continue }
                let challenge = agreement.challenge(epochSeed: current.epochSeed)
                try? entry.proof.verify(
                    challenge, slotRoot: agreement.slotRoot, segmentCount: Int(agreement.segmentCount),
                    shardLength: agreement.shardLength(ofSegment: challenge.segment))
            }
        }
        let decoding = clock.measure {
            for tx in transactions {
                if case .extension(_, let payload) = tx.transaction.kind { _ = try? MarketAction(payload: payload) }
            }
        }
        let leaf = [UInt8](repeating: 7, count: ShardCommitment.leafSize + 1)
        let node = [UInt8](repeating: 9, count: 65)
        let hashing = clock.measure {
            var sink = Key256.zero
            for _ in 0..<entries.count {
                sink = sink.distance(to: SHA256.hash(leaf))
                for _ in 0..<16 { sink = sink.distance(to: SHA256.hash(node)) }
            }
            precondition(sink != SHA256.hash(node))
        }
        let signing = clock.measure {
            for tx in transactions { _ = tx.verifySignature(chainID: chainID) }
        }
        let elapsed = clock.measure {
            for tx in transactions {
                _ = state.apply(tx, rules: rules, signatureVerified: false, feeRecipient: validator.publicKey)
            }
        }
        let proved = MarketState.of(state).provedThisEpoch.count

        // The epoch's last block settles it: the other peers apply it too.
        while !clockRules.isLastBlock(state.height + 1) { commit([]) }
        let settling = Block(
            header: BlockHeader(
                chainID: chainID, height: state.height + 1, previousHash: state.lastBlockHash,
                timeMs: state.lastBlockTimeMs + 500, proposer: validator.publicKey,
                transactionRoot: TransactionRoot.of([SignedTransaction]()), transactionCount: 0),
            transactions: [])
        let settlement = clock.measure {
            _ = state.applyBlock(settling, rules: rules, signaturesVerified: true)
        }
        let paid = MarketState.of(state).agreements.values.count(where: { $0.paidTotal > .zero })

        let perBlock = maxBlockBytes - BlockHeader.encodedByteCount
        var blocks = 0
        var room = 0
        for tx in transactions {
            if room < tx.byteCount + 4 {
                blocks += 1
                room = perBlock
            }
            room -= tx.byteCount + 4
        }
        return Result(
            agreements: count, challenged: entries.count, proved: proved, paid: paid,
            transactions: transactions.count, bytes: bytes, blocks: blocks, maxTxBytes: Int(params.maxTxBytes),
            maxBlockBytes: maxBlockBytes, cpuSeconds: seconds(elapsed), settleSeconds: seconds(settlement),
            verifySeconds: seconds(verifying), decodeSeconds: seconds(decoding),
            signatureSeconds: seconds(signing), hashingSeconds: seconds(hashing))
    }
}
