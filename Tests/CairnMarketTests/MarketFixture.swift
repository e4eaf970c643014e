import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import Testing

/// A small chain running the market: an owner, three providers, a keeper and the validator who proposes every
/// block. Epochs of 4 blocks with a 3-block proof window, no free allowance, 10 % proposer fee, 5 % repair fee,
/// penalties 10, 20, 40 (cap), repair after 2 misses, an audit sample of `sample` agreements per provider (128,
/// more than any test opens, unless a test asks for fewer).
struct MarketFixture {
    static let chainID = ChainID(SHA256.hash(Array("market tests".utf8)))
    static let gib: UInt64 = 1 << 30

    let owner = Identity(seed: [UInt8](repeating: 0x0a, count: 32))!
    let p1 = Identity(seed: [UInt8](repeating: 0x01, count: 32))!
    let p2 = Identity(seed: [UInt8](repeating: 0x02, count: 32))!
    let p3 = Identity(seed: [UInt8](repeating: 0x03, count: 32))!
    let keeper = Identity(seed: [UInt8](repeating: 0x0e, count: 32))!
    let validator = Identity(seed: [UInt8](repeating: 0x77, count: 32))!
    var params: ChainParameters
    var market: MarketParameters

    init(sample: UInt32 = 128) {
        market = MarketParameters(
            epochBlocks: 4, proofWindowBlocks: 3, freeAllowanceBytes: 0, minProviderStake: Amount(1_000),
            proposerFeePerMille: 100, repairFeePerMille: 50, missesBeforeRepair: 2, penaltyBase: Amount(10),
            penaltyCap: Amount(40), maxProofsPerTx: 4_096, proofSamplePerProvider: sample,
            defaultDurationEpochs: 6)
        var params = ChainParameters.localTestnet
        params.minFee = Amount(10)
        params.minValidatorStake = Amount(1_000)
        params.maxTxBytes = UInt32(SignedTransaction.maxEncodedBytes)
        params.maxBlockBytes = 2 << 20
        params.faucet = nil
        params.initialAccounts = Dictionary(
            uniqueKeysWithValues: [owner, p1, p2, p3, keeper].map {
                ($0.publicKey.address, Amount(100_000))
            })
        params.initialValidators = [validator.publicKey.address: Amount(1_000_000)]
        params.market = market
        self.params = params
    }

    var rules: LedgerRules {
        LedgerRules(
            params: params, chainID: Self.chainID, extensions: LedgerExtensions([MarketExtension(parameters: market)]))
    }

    func genesis() throws -> LedgerState { try LedgerState.genesis(params) }

    func tx(
        _ who: Identity, _ kind: TransactionKind, on state: LedgerState, nonceOffset: UInt64 = 0, fee: Amount = Amount(10)
    ) -> SignedTransaction {
        let tx = Transaction(
            chainID: Self.chainID, sender: who.publicKey, nonce: state.nextNonce(of: who.publicKey) + nonceOffset,
            fee: fee, kind: kind)
        return SignedTransaction(signing: tx, with: who)
    }

    func block(on state: LedgerState, _ txs: [SignedTransaction]) -> Block {
        let header = BlockHeader(
            chainID: Self.chainID, height: state.height + 1, previousHash: state.lastBlockHash,
            timeMs: state.lastBlockTimeMs + 500, proposer: validator.publicKey,
            transactionRoot: TransactionRoot.of(txs), transactionCount: UInt32(txs.count))
        return Block(header: header, transactions: txs)
    }

    /// Applies a block of `txs` (each must apply), then checks conservation: the supply, and the market's escrow
    /// against its stakes and agreements.
    func commit(_ txs: [SignedTransaction], on state: inout LedgerState) throws {
        let result = state.applyBlock(block(on: state, txs), rules: rules, signaturesVerified: false)
        if case .failure(let reason) = result { Issue.record("block \(state.height + 1): \(reason)") }
        try checkConservation(state)
    }

    func checkConservation(_ state: LedgerState) throws {
        #expect(state.heldTotal() == state.totalSupply)
        #expect(MarketState.of(state).heldInEscrow == (state.escrow[MarketExtension.kind] ?? .zero))
    }

    /// What `who` must prove in `market`'s epoch under the fixture's audit sample.
    func due(_ who: Identity, in market: MarketState) -> [(agreementID: Key256, challenge: StorageChallenge)] {
        market.challenges(for: who.publicKey, parameters: self.market)
    }

    /// Empty blocks up to `height`.
    func advance(to height: Height, _ state: inout LedgerState) throws {
        while state.height < height { try commit([], on: &state) }
    }

    /// Why `tx` is refused on `state`, or nil.
    func refusal(_ tx: SignedTransaction, on state: LedgerState) -> String? {
        var copy = state
        if case .failure(let reason) = copy.apply(tx, rules: rules, signatureVerified: false) { return "\(reason)" }
        return nil
    }

    /// The price per GiB per epoch at which one slot of `MarketFile.shared` costs `perSlotEpoch` base units.
    static func perGiB(_ perSlotEpoch: UInt64) -> UInt64 { perSlotEpoch * gib / MarketFile.shared.slotBytes }

    /// Registers `who` at a price per GiB that makes one slot of `MarketFile.shared` cost `price` base units per
    /// epoch (the price is by the byte, rounded up), so that the tests' sums stay round.
    func register(
        _ who: Identity, price: UInt64 = 1_000, capacity: UInt64 = 10 * gib, stake: UInt64 = 1_000,
        on state: LedgerState, nonceOffset: UInt64 = 0
    ) -> SignedTransaction {
        tx(
            who,
            MarketTransaction.registerProvider(
                capacityBytes: capacity, pricePerGiBEpoch: Amount(Self.perGiB(price)),
                stake: Amount(stake),
                address: "127.0.0.1:4100"),
            on: state, nonceOffset: nonceOffset)
    }
}

/// A real file (four segments of a 2-of-4 code) and its shards, for agreements whose proofs verify.
struct MarketFile: Sendable {
    var descriptor: Descriptor
    /// shards[segment][slot]
    var shards: [[[UInt8]]]

    static let shared: MarketFile = try! MarketFile.make(size: 200_000, seed: 7)

    static func make(size: Int, seed: UInt64) throws -> MarketFile {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        var pipeline = try PutPipeline(parameters: parameters)
        var encoded = try pipeline.append(pseudoRandomBytes(size, seed: seed))
        if let last = try pipeline.finish() { encoded.append(last) }
        let descriptor = try Descriptor(
            fileSize: pipeline.fileSize, parameters: parameters, fileNonce: pipeline.fileNonce,
            shardIDs: encoded.map(\.shardIDs), created: .seconds(1_700_000_000),
            metadata: FileMetadata(name: "market.bin"), fileKey: pipeline.fileKey,
            owner: Identity(seed: [UInt8](repeating: 0x0a, count: 32))!)
        return MarketFile(
            descriptor: descriptor, shards: encoded.map { s in (0..<s.shardCount).map { s.shardBytes($0) } })
    }

    /// Bytes of one slot: every segment's shard.
    var slotBytes: UInt64 {
        (0..<descriptor.segmentCount).reduce(0) { $0 + UInt64(descriptor.shardLength(ofSegment: $1)) }
    }

    func placement(_ slot: Int, _ provider: Identity) -> SlotPlacement {
        SlotPlacement(slot: slot, of: descriptor, provider: provider.publicKey)
    }

    /// The honest answer to `challenge`.
    func proof(_ challenge: StorageChallenge) -> StorageProof {
        shards[challenge.segment][challenge.slot].withUnsafeBytes {
            StorageProof.make(for: challenge, shard: $0, slotShardIDs: descriptor.shardIDs(ofSlot: challenge.slot))!
        }
    }

    /// The honest proof for `agreement` in the market's current epoch.
    func proof(for agreement: StorageAgreement, in market: MarketState) -> ProofBatch.Entry {
        ProofBatch.Entry(agreementID: agreement.id, proof: proof(agreement.challenge(epochSeed: market.epochSeed)))
    }
}

/// Deterministic pseudo-random bytes (SplitMix64).
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for j in 0..<8 where i + j < count { out[i + j] = UInt8(truncatingIfNeeded: z >> UInt64(8 * j)) }
        i += 8
    }
    return out
}
