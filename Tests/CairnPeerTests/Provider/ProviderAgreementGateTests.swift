import CairnStorage
import CairnWire
import NIOCore
import Testing

@testable import CairnChain
@testable import CairnMarket
@testable import CairnPeer

/// Issue 9 item 2: on a network with a market, a provider keeps a file's shards for good only under an open
/// agreement for the file with it, or within the free allowance; a confirmation over the allowance waits for
/// its agreement, block by block, and is refused after `ProviderConfig.agreementWaitBlocks`.
@Suite struct ProviderAgreementGateTests {
    let owner = Identity.generate()
    /// The peer the requests come from.
    static let sender = Identity.generate().peerID
    static let limit = KeptBytesLimit(allowance: 64 << 20, underAgreements: 1_000)
    static let overAllowance = StorageError.freeAllowanceUsed(allowance: 64 << 20, outsideAgreements: 70 << 20)

    func order(fileID: Key256 = Random.key256()) -> ConfirmOrder {
        ConfirmOrder(
            fileID: fileID, fileNonce: Random.key256(), shardIDs: [Random.key256(), Random.key256()],
            entries: [PlacementRecord.Entry(slot: 1, segments: 0..<2)], owner: owner, issued: .seconds(1))
    }

    static func machine() -> ProviderMachine {
        ProviderMachine(
            config: ProviderConfig(), holder: .generate(),
            addresses: [PeerAddress(host: "10.0.0.2", port: 4100)])
    }

    /// Serves `order` under `terms`: the store operation asked for.
    static func confirm(
        _ order: ConfirmOrder, id: UInt64, terms: ProviderMachine.KeepTerms,
        on provider: inout ProviderMachine
    ) throws -> (StoreTicket, StoreOperation) {
        var actions: [PeerAction] = []
        provider.serve(
            .confirm(order), id: InboundID(rawValue: id), sender: Self.sender, now: .seconds(10),
            terms: { _ in terms }, actions: &actions)
        return try #require(storeOperations(actions).first)
    }

    @Test func withinTheAllowanceTheConfirmationIsCarriedOutAtOnce() throws {
        var provider = Self.machine()
        let order = order()
        let (ticket, operation) = try Self.confirm(order, id: 1, terms: .allowance(Self.limit), on: &provider)
        guard case .confirmShards(_, order.shardIDs, limit: Self.limit?) = operation else {
            Issue.record("expected a confirmation bounded by the allowance, got \(operation)")
            return
        }
        var actions: [PeerAction] = []
        provider.completed(ticket, .confirmed(kept: 2), now: .seconds(11), actions: &actions)
        guard case .storage(.confirmed(2, _?))? = onlyResponse(actions) else {
            Issue.record("expected a confirmation, got \(actions)")
            return
        }
    }

    @Test func overTheAllowanceItWaitsAndIsCarriedOutWhenItsAgreementCommits() throws {
        var provider = Self.machine()
        let order = order()
        let (ticket, _) = try Self.confirm(order, id: 1, terms: .allowance(Self.limit), on: &provider)
        var actions: [PeerAction] = []
        provider.completed(ticket, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        #expect(responses(actions).isEmpty, "it waits for the agreement")
        #expect(provider.waitingKeeps.count == 1)

        // A block without the agreement: still waiting.
        actions = []
        provider.blockCommitted(terms: { _ in .allowance(Self.limit) }, actions: &actions)
        #expect(actions.isEmpty && provider.waitingKeeps.count == 1)

        // The block with it: confirmed without limit, and answered.
        actions = []
        provider.blockCommitted(terms: { $0 == order.fileID ? .unlimited : .allowance(Self.limit) }, actions: &actions)
        let (second, operation) = try #require(storeOperations(actions).first)
        guard case .confirmShards(_, order.shardIDs, limit: .none) = operation else {
            Issue.record("expected an unbounded confirmation, got \(operation)")
            return
        }
        #expect(provider.waitingKeeps.isEmpty)
        actions = []
        provider.completed(second, .confirmed(kept: 2), now: .seconds(12), actions: &actions)
        #expect(responses(actions).map(\.0) == [InboundID(rawValue: 1)])
        guard case .storage(.confirmed(2, _?))? = onlyResponse(actions) else {
            Issue.record("expected a confirmation, got \(actions)")
            return
        }
    }

    @Test func withNoAgreementWithinTheBoundItIsRefusedSayingWhy() throws {
        var provider = Self.machine()
        let order = order()
        let (ticket, _) = try Self.confirm(order, id: 1, terms: .allowance(Self.limit), on: &provider)
        var actions: [PeerAction] = []
        provider.completed(ticket, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        for _ in 1..<provider.config.agreementWaitBlocks {
            actions = []
            provider.blockCommitted(terms: { _ in .allowance(Self.limit) }, actions: &actions)
            #expect(responses(actions).isEmpty)
        }
        actions = []
        provider.blockCommitted(terms: { _ in .allowance(Self.limit) }, actions: &actions)
        let error = try #require(onlyResponse(actions)?.remoteError)
        #expect(error.code == .refused)
        #expect(
            error.message.hasPrefix(
                "no storage agreement for file \(order.fileID.shortHex)… with this provider "
                    + "was committed within 10 blocks, and the free allowance of 64 MiB is used"))
        #expect(provider.waitingKeeps.isEmpty)
    }

    @Test func aResendTakesTheWaitingPlaceInsteadOfWaitingTwice() throws {
        var provider = Self.machine()
        let order = order()
        let (ticket, _) = try Self.confirm(order, id: 1, terms: .allowance(Self.limit), on: &provider)
        var actions: [PeerAction] = []
        provider.completed(ticket, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        actions = []
        provider.serve(
            .confirm(order), id: InboundID(rawValue: 2), sender: Self.sender, now: .seconds(40),
            terms: { _ in .allowance(Self.limit) }, actions: &actions)
        #expect(storeOperations(actions).isEmpty)
        #expect(responses(actions).map(\.0) == [InboundID(rawValue: 1)], "the first request is let go")
        #expect(provider.waitingKeeps.map(\.id) == [InboundID(rawValue: 2)])

        // A resend that reached the store before the first waited: still one wait.
        var other = Self.machine()
        let (first, _) = try Self.confirm(order, id: 1, terms: .allowance(Self.limit), on: &other)
        let (second, _) = try Self.confirm(order, id: 2, terms: .allowance(Self.limit), on: &other)
        actions = []
        other.completed(first, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        other.completed(second, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        #expect(responses(actions).map(\.0) == [InboundID(rawValue: 1)])
        #expect(other.waitingKeeps.map(\.id) == [InboundID(rawValue: 2)])
    }

    @Test func tooManyWaitingAreRefusedAtOnceAndStopAnswersTheRest() throws {
        var provider = ProviderMachine(
            config: {
                var config = ProviderConfig(); config.maxWaitingConfirmations = 1; return config
            }(),
            holder: .generate(), addresses: [])
        var actions: [PeerAction] = []
        for id in 1...2 {
            let (ticket, _) = try Self.confirm(order(), id: UInt64(id), terms: .allowance(Self.limit), on: &provider)
            provider.completed(ticket, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        }
        let refused = responses(actions)
        #expect(refused.map(\.0) == [InboundID(rawValue: 2)])
        #expect(refused.first?.1.remoteError?.message.contains("1 confirmations already wait") == true)
        actions = []
        provider.stop(actions: &actions)
        #expect(responses(actions).map(\.0) == [InboundID(rawValue: 1)])
    }

    @Test func anAdoptionWaitsTheSameWay() throws {
        var provider = Self.machine()
        let descriptor = try testDescriptor(owner: owner, segments: 2)
        var actions: [PeerAction] = []
        let entries = [PlacementRecord.Entry(slot: 1, segments: 0..<2)]
        provider.serve(
            .adopt(descriptor: ByteBuffer(bytes: descriptor.encoded()), entries: entries),
            id: InboundID(rawValue: 1), sender: Self.sender,
            now: .seconds(10), terms: { _ in .allowance(Self.limit) }, actions: &actions)
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .confirmShards(_, _, limit: Self.limit?) = operation else {
            Issue.record("expected a bounded adoption, got \(operation)")
            return
        }
        actions = []
        provider.completed(ticket, .failed(Self.overAllowance), now: .seconds(11), actions: &actions)
        #expect(responses(actions).isEmpty && provider.waitingKeeps.count == 1)
    }

    // MARK: - In the running peer

    /// A running peer whose chain's committed market is `market` (nil: a chain without market).
    static func peer(market parameters: MarketParameters?, _ body: (inout MarketState, PublicKey) -> Void = { _, _ in })
        throws -> PeerMachine
    {
        let identity = Identity.generate()
        var params = ChainParameters.localTestnet
        params.market = parameters
        let rules = LedgerRules(
            params: params, chainID: ChainID(SHA256.hash(Array("gate-test".utf8))),
            extensions: LedgerExtensions(parameters.map { [MarketExtension(parameters: $0)] } ?? []))
        var chain = try ChainMachine(rules: rules, identity: nil, localPeer: identity.peerID)
        var market = MarketState.genesis
        body(&market, identity.publicKey)
        chain.ledger.extensionStates[MarketExtension.kind] = market
        var machine = PeerMachine(
            identity: identity, config: PeerMachineConfig(provider: ProviderConfig()), contacts: [], chain: chain)
        machine.handle(.started(PeerAddress(host: "10.0.0.2", port: 4100)), now: .seconds(1_000))
        _ = machine.takeActions()
        return machine
    }

    static func terms(_ machine: inout PeerMachine, _ fileID: Key256) -> ProviderMachine.KeepTerms? {
        var terms: ProviderMachine.KeepTerms?
        machine.withRunning { terms = $0.keepTerms(fileID) }
        return terms
    }

    @Test func theTermsComeFromTheCommittedMarket() throws {
        let fileID = Random.key256()
        var noMarket = try Self.peer(market: nil)
        #expect(Self.terms(&noMarket, fileID) == .unlimited, "no market: nothing changes")

        var withMarket = try Self.peer(market: .localNetwork) { market, local in
            market.providers[local] = MarketProvider(
                capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(1), stake: Amount(1), address: "", usedBytes: 4096)
        }
        #expect(
            Self.terms(&withMarket, fileID)
                == .allowance(KeptBytesLimit(allowance: 64 << 20, underAgreements: 4096)))

        var underAgreement = try Self.peer(market: .localNetwork) { market, local in
            let agreement = Self.agreement(fileID: fileID, provider: local)
            market.agreements[agreement.id] = agreement
            market.openIDs.insert(agreement.id)
            market.openByProvider[local, default: []].insert(agreement.id)
            market.openByFile[agreement.fileID, default: []].insert(agreement.id)
        }
        #expect(Self.terms(&underAgreement, fileID) == .agreement)
        #expect(Self.terms(&underAgreement, Random.key256()) != .unlimited, "another file has no agreement")
    }

    /// A delete under an open agreement is answered at once, its descriptor dropped, and its shards released only
    /// once the chain no longer shows the agreement: until then the shards are there to prove (a provider that dropped them before the end
    /// committed was fined for it). Without an agreement (free allowance, no market) it is carried out at once.
    @Test func aDeleteUnderAnOpenAgreementWaitsForTheAgreementToEnd() throws {
        var provider = Self.machine()
        let order = DeleteOrder(fileID: Random.key256(), fileNonce: Random.key256(),
                                shardIDs: [Random.key256(), Random.key256()], owner: owner, issued: .seconds(1))
        var actions: [PeerAction] = []
        provider.serve(.delete(order), id: InboundID(rawValue: 1), sender: Self.sender, now: .seconds(10),
                       terms: { _ in .agreement }, actions: &actions)
        // The descriptor and placement go at once (no shard named): for readers the file is gone.
        let now = storeOperations(actions)
        #expect(now.count == 1)
        guard case .deleteFile(order.fileID, _, [], owner.publicKey)? = now.first?.1 else {
            Issue.record("expected the file's blobs dropped and no shard, got \(now)")
            return
        }
        #expect(onlyResponse(actions) == .storage(.deleted(shards: 2)))
        #expect(provider.deferredDeletes[order.fileID] == order)

        actions = []
        provider.blockCommitted(terms: { _ in .agreement }, actions: &actions)
        #expect(storeOperations(actions).isEmpty && provider.deferredDeletes.count == 1, "still open")

        actions = []
        provider.blockCommitted(terms: { _ in .allowance(Self.limit) }, actions: &actions)
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .releaseShards(let reference, order.shardIDs) = operation else {
            Issue.record("expected the shards released, got \(operation)")
            return
        }
        #expect(reference == ShardReference(file: order.fileNonce, owner: owner.peerID))
        #expect(provider.deferredDeletes.isEmpty)
        actions = []
        provider.completed(ticket, .deleted(shards: 2), now: .seconds(20), actions: &actions)
        #expect(responses(actions).isEmpty, "answered already")

        for terms in [ProviderMachine.KeepTerms.unlimited, .allowance(Self.limit)] {
            actions = []
            provider.serve(.delete(order), id: InboundID(rawValue: 2), sender: Self.sender, now: .seconds(30),
                           terms: { _ in terms }, actions: &actions)
            #expect(storeOperations(actions).count == 1, "no agreement: deleted at once")
        }
    }

    @Test func aCommittedBlockReleasesTheConfirmationsWaitingInThePeer() throws {
        let order = order()
        var machine = try Self.peer(market: .localNetwork)
        machine.handle(
            .requestReceived(
                InboundID(rawValue: 7), .storage(.confirm(order)), from: nil,
                remote: owner.peerID), now: .seconds(1_001))
        let (ticket, operation) = try #require(storeOperations(machine.takeActions()).first)
        guard case .confirmShards(_, _, limit: _?) = operation else {
            Issue.record("expected a bounded confirmation, got \(operation)")
            return
        }
        machine.handle(.storeCompleted(ticket, .failed(Self.overAllowance)), now: .seconds(1_001))
        #expect(responses(machine.takeActions()).isEmpty)

        machine.update { peer in
            var market = MarketState.of(peer.chain!.ledger)
            let agreement = Self.agreement(fileID: order.fileID, provider: peer.identity.publicKey)
            market.agreements[agreement.id] = agreement
            market.openIDs.insert(agreement.id)
            market.openByProvider[peer.identity.publicKey, default: []].insert(agreement.id)
            market.openByFile[agreement.fileID, default: []].insert(agreement.id)
            peer.chain!.ledger.extensionStates[MarketExtension.kind] = market
            peer.marketCommitted(height: 1, now: .seconds(1_002))
        }
        let released = try #require(storeOperations(machine.takeActions()).first)
        guard case .confirmShards(_, order.shardIDs, limit: .none) = released.1 else {
            Issue.record("expected the confirmation carried out, got \(released.1)")
            return
        }
        machine.handle(.storeCompleted(released.0, .confirmed(kept: 2)), now: .seconds(1_002))
        let answered = responses(machine.takeActions())
        #expect(answered.map(\.0) == [InboundID(rawValue: 7)])
    }

    static func agreement(fileID: Key256, provider: PublicKey) -> StorageAgreement {
        StorageAgreement(
            id: StorageAgreement.id(transactionHash: Random.key256(), slot: 0), owner: Identity.generate().publicKey,
            provider: provider, fileID: fileID, slot: 0, slotRoot: Random.key256(), segmentCount: 1,
            shardLength: 2048, lastShardLength: 2048, startEpoch: 1, endEpoch: 11, pricePerEpoch: Amount(10),
            maxPricePerGiBEpoch: .max, escrow: Amount(100), proofsOK: 0, proofsMissed: 0, consecutiveMisses: 0,
            paidTotal: .zero, penaltiesTotal: .zero, state: .active)
    }
}
