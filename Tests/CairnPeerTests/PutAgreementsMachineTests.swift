import CairnDHT
import CairnStorage
import CairnWire
import NIOCore
import Testing

@testable import CairnChain
@testable import CairnMarket
@testable import CairnPeer

/// A put through the whole peer machine on a chain with a storage market (issue 9 item 2): registered
/// providers chosen, the escrow checked before anything is sent, the agreements opened once the file is stored,
/// and ended by a delete. The committed market is set by hand (no block is made); the mempool checks the
/// transactions against it as the chain would.
struct PutAgreementsMachineTests {
    static let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 4)

    /// A harness whose peer runs a chain whose committed market has `harness.providers` registered at their
    /// harness addresses, and where this peer's account holds `balance`.
    static func harness(providers: Int, balance: Amount) throws -> PutHarness {
        var harness = PutHarness(providers: providers)
        var params = ChainParameters.localTestnet
        params.market = .localNetwork
        let rules = LedgerRules(
            params: params, chainID: ChainID(SHA256.hash(Array("put-agreements-test".utf8))),
            extensions: LedgerExtensions([MarketExtension(parameters: .localNetwork)]))
        var chain = try ChainMachine(rules: rules, identity: nil, localPeer: harness.me.peerID)
        var market = MarketState.genesis
        for (index, provider) in harness.providers.enumerated() {
            market.providers[provider.publicKey] = MarketProvider(
                capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(1 << 30),
                stake: MarketParameters.localNetwork.minProviderStake, address: "\(PutHarness.address(index + 2))")
        }
        chain.ledger.extensionStates[MarketExtension.kind] = market
        chain.ledger.accounts[harness.me.publicKey] = AccountState(balance: balance)
        chain.mempool = Mempool(rules: rules, limits: chain.config.mempoolLimits, committed: chain.ledger)
        let contacts = harness.providers.enumerated().map {
            PeerInfo(id: $1.peerID, address: PutHarness.address($0 + 2))
        }
        harness.machine = PeerMachine(
            identity: harness.me, config: PeerMachineConfig(), contacts: contacts, chain: chain)
        harness.machine.handle(.started(PutHarness.address(1)), now: harness.now)
        harness.run()
        return harness
    }

    static func order(size: UInt64) -> PutOrder {
        PutOrder(
            parameters: parameters, fileKey: .random(), fileNonce: Random.key256(), name: "paid.txt",
            durationEpochs: 10, sizeHint: size)
    }

    /// A one-segment put of 4 KiB through `harness`, finished: its summary, nil (recorded) when it was not.
    static func finishedPut(_ harness: inout PutHarness) -> PutSummary? {
        let put = harness.command { _ in .startPut(order(size: 4096)) }
        let segment = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        guard case .putSegmentAccepted? = harness.result(of: segment) else {
            Issue.record("segment not accepted: \(String(describing: harness.result(of: segment)))")
            return nil
        }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return nil
        }
        return summary
    }

    /// Deletes the file of `summary` through `harness`: the agreements ended and the note, nil (recorded) when the
    /// delete failed.
    static func delete(_ summary: PutSummary, _ harness: inout PutHarness) throws -> (ended: Int, note: String?)? {
        let layout = PlacedFile(
            fileID: summary.fileID, descriptor: summary.descriptor,
            placement: FilePlacement(
                descriptor: summary.descriptor, fileID: summary.fileID,
                records: try PlacementRecord.decodeList(summary.placement), now: harness.now))
        let delete = harness.command { _ in .deleteFile(layout, holders: [:]) }
        guard case .fileDeleted(_, let ended, let note)? = harness.result(of: delete) else {
            Issue.record("not deleted: \(String(describing: harness.result(of: delete)))")
            return nil
        }
        return (ended, note)
    }

    @Test func aPutOnRegisteredProvidersOpensOneAgreementPerSlot() throws {
        // At 2³⁰ base units per GiB a slot costs one base unit per byte per epoch: well within the balance.
        var harness = try Self.harness(providers: 6, balance: Amount(10_000_000))
        harness.respond = { peer, request, now in
            if case .storage(.confirm) = request { return .storage(.stored) }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(Self.order(size: 2 * 4096)) }
        guard case .putStarted? = harness.result(of: put) else {
            Issue.record("not started: \(String(describing: harness.result(of: put)))")
            return
        }
        for index in 0..<2 {
            let command = harness.command { _ in .putSegment(put: put, PutHarness.segment(index, n: 4)) }
            guard case .putSegmentAccepted? = harness.result(of: command) else {
                Issue.record("segment \(index): \(String(describing: harness.result(of: command)))")
                return
            }
        }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 2 * 4096) }
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
        let hash = try #require(summary.agreementsTransaction, "\(summary.agreementsNote ?? "no note")")
        #expect(summary.agreements == (0..<4).map { StorageAgreement.id(transactionHash: hash, slot: UInt16($0)) })
        #expect(summary.agreementsNote == nil)
        // Slot-stable: every shard of slot i went to one provider.
        let providerKeys = Set(harness.providers.map(\.peerID))
        let targets = harness.sent.compactMap {
            if case .storage(.putShard) = $0.request { $0.to } else { nil }
        }
        #expect(targets.count == 8)
        #expect(Array(targets[0..<4]) == Array(targets[4..<8]))
        #expect(targets.allSatisfy(providerKeys.contains))
    }

    /// A one-segment put on `providers` providers, finished, whose confirmations are left unanswered (as a
    /// provider waiting for the agreement leaves them); nil when the segment was not accepted.
    static func putWithConfirmationsUnanswered(providers: Int) throws -> (PutHarness, CommandID)? {
        var harness = try harness(providers: providers, balance: Amount(10_000_000))
        harness.respond = { peer, request, now in
            if case .storage(.confirm) = request { return nil }
            return PutHarness.willing(peer, request, now)
        }
        let put = harness.command { _ in .startPut(order(size: 4096)) }
        let segment = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        guard case .putSegmentAccepted? = harness.result(of: segment) else { return nil }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        return (harness, finish)
    }

    /// Providers over their free allowance hold a confirmation until the file's agreement with them commits:
    /// the agreements are submitted before the confirmations go, not once the put is over.
    @Test func theAgreementsAreSubmittedBeforeTheConfirmations() throws {
        guard let (harness, finish) = try Self.putWithConfirmationsUnanswered(providers: 6) else { return }
        #expect(!harness.delivered.contains { $0.0 == finish }, "the put waits for its confirmations")
        let confirmations = harness.waiting.filter { if case .storage(.confirm) = $0.2 { true } else { false } }
        #expect(confirmations.count == 4)
        let pool = try #require(harness.machine.chain?.mempool)
        #expect(pool.count == 1, "the transaction that opens the agreements is in the mempool already")
        // Each holder got the signed descriptor ahead of its confirmation: the providers' market agents read the
        // slot's shard IDs from it without a lookup of the file's keepers.
        for (_, holder, request) in confirmations {
            guard case .storage(.confirm(let order)) = request else { continue }
            let sent = harness.sent.map { ($0.to, $0.request) }
            let confirmAt = sent.firstIndex { $0.0 == holder && $0.1 == request }
            let copyAt = sent.firstIndex { to, request in
                guard to == holder, case .storage(.putBlob(.descriptor, order.fileID, nil, let bytes)) = request
                else { return false }
                return SHA256.hash(Array(bytes.readableBytesView)) == order.fileID
            }
            #expect(copyAt != nil && confirmAt != nil && copyAt! < confirmAt!, "the descriptor goes first")
        }
    }

    /// Refused confirmations fail the put as before; the agreements it submitted are ended with the cleanup,
    /// and a put that opened none says why next to the providers' refusals.
    @Test func aPutWhoseConfirmationsAreRefusedEndsItsAgreementsOrSaysWhyItHadNone() throws {
        for providers in [6, 3] {
            // Unanswered confirmations time out (the harness turns any answer into a confirmation).
            guard case (var harness, let finish)? = try Self.putWithConfirmationsUnanswered(providers: providers)
            else { return }
            // The timeouts and retries wait on the machine's timers.
            for _ in 0..<8 {
                let due = harness.armed.filter {
                    switch $0.0 {
                    case .owner, .requestTimeout: true
                    default: false
                    }
                }.sorted { $0.1 < $1.1 }
                harness.armed = []
                for (timer, instant) in due {
                    harness.now = max(harness.now, instant)
                    harness.machine.handle(.timerFired(timer), now: harness.now)
                    harness.run()
                }
            }
            guard case .fileFailed(let failure)? = harness.result(of: finish) else {
                Issue.record("expected a failure, got \(String(describing: harness.result(of: finish)))")
                return
            }
            let pool = try #require(harness.machine.chain?.mempool)
            if providers == 6 {
                #expect(pool.count == 5, "the opening and one end per agreement")
            } else {
                #expect(pool.count == 0)
                #expect("\(failure)".contains("no agreements: 3 registered providers, 4 needed"))
            }
        }
    }

    @Test func anAccountShortOfTheEscrowIsRefusedBeforeAnyShardIsSent() throws {
        var harness = try Self.harness(providers: 6, balance: Amount(1))
        let put = harness.command { _ in .startPut(Self.order(size: 1 << 20)) }
        guard case .fileFailed(.invalidRequest(let reason))? = harness.result(of: put) else {
            Issue.record("expected a refusal, got \(String(describing: harness.result(of: put)))")
            return
        }
        #expect(reason.hasPrefix("the agreements need "))
        #expect(reason.contains("this account has 0.000001 CRN"))
        #expect(!harness.sent.contains { if case .storage = $0.request { true } else { false } })
    }

    @Test func tooFewRegisteredProvidersPlaceAsBeforeAndSayWhy() throws {
        var harness = try Self.harness(providers: 3, balance: Amount(10_000_000))
        // Three registered providers, and this peer itself with room: four, enough for the ring, not for n.
        let put = harness.command { _ in .startPut(Self.order(size: 4096)) }
        guard case .putStarted? = harness.result(of: put) else {
            Issue.record("not started: \(String(describing: harness.result(of: put)))")
            return
        }
        let command = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        guard case .putSegmentAccepted? = harness.result(of: command) else { return }
        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
        #expect(summary.agreements.isEmpty)
        #expect(summary.agreementsTransaction == nil)
        #expect(summary.agreementsNote == "no agreements: 3 registered providers, 4 needed")
        // No agreement, no market agent that needs the descriptor: it goes to the keepers (where the placement
        // records go too) and to no other holder.
        let keepers = Set(harness.sent.compactMap {
            if case .storage(.putBlob(.placement, _, _, _)) = $0.request { $0.to } else { nil }
        })
        let copies = harness.sent.compactMap {
            if case .storage(.putBlob(.descriptor, _, _, _)) = $0.request { $0.to } else { nil }
        }
        #expect(!keepers.isEmpty && Set(copies) == keepers && copies.count == keepers.count)
    }

    @Test func deletingAFileEndsItsOpenAgreementsOwnedByThisPeer() throws {
        var harness = try Self.harness(providers: 6, balance: Amount(10_000_000))
        guard let summary = Self.finishedPut(&harness) else { return }
        // As if the opening had been committed: two agreements of this peer for the file, one of another owner's,
        // one of this peer's already ended.
        guard case .running(let storage) = harness.machine.state, var chain = storage.peer.chain else {
            Issue.record("no chain")
            return
        }
        var market = MarketState.of(chain.ledger)
        func agreement(_ slot: UInt16, owner: PublicKey, state: StorageAgreement.State) -> StorageAgreement {
            StorageAgreement(
                id: StorageAgreement.id(transactionHash: Random.key256(), slot: slot), owner: owner,
                provider: harness.providers[Int(slot)].publicKey, fileID: summary.fileID, slot: slot,
                slotRoot: summary.descriptor.slotRoot(Int(slot)), segmentCount: 1, shardLength: 2048,
                lastShardLength: 2048, startEpoch: 1, endEpoch: 11, pricePerEpoch: Amount(10),
                maxPricePerGiBEpoch: .max, escrow: Amount(100), proofsOK: 0, proofsMissed: 0, consecutiveMisses: 0,
                paidTotal: .zero, penaltiesTotal: .zero, state: state)
        }
        for entry in [
            agreement(0, owner: harness.me.publicKey, state: .active),
            agreement(1, owner: harness.me.publicKey, state: .repairNeeded),
            agreement(2, owner: harness.providers[5].publicKey, state: .active),
            agreement(3, owner: harness.me.publicKey, state: .ended),
        ] {
            market.agreements[entry.id] = entry
            if entry.isOpen {
                market.openIDs.insert(entry.id)
                market.openByProvider[entry.provider, default: []].insert(entry.id)
                market.openByFile[entry.fileID, default: []].insert(entry.id)
            }
        }
        chain.ledger.extensionStates[MarketExtension.kind] = market
        chain.ledger.escrow[MarketExtension.kind] = Amount(300)
        chain.mempool = Mempool(rules: chain.rules, limits: chain.config.mempoolLimits, committed: chain.ledger)
        // The harness holds the only machine, so the storage is changed in place.
        storage.peer.chain = chain

        guard let (ended, note) = try Self.delete(summary, &harness) else { return }
        #expect(ended == 2)
        #expect(note == nil)
    }

    /// A file removed right after its put, before any block took the transaction that opens its agreements: the
    /// agreements are ended all the same (after the opening, in the mempool), not left open on a deleted file
    /// for the owner to pay and its providers to be fined for.
    @Test func deletingAFileBeforeItsAgreementsCommitEndsThemAfterTheOpening() throws {
        var harness = try Self.harness(providers: 6, balance: Amount(10_000_000))
        harness.respond = { peer, request, now in
            if case .storage(.confirm) = request { return .storage(.stored) }
            return PutHarness.willing(peer, request, now)
        }
        guard let summary = Self.finishedPut(&harness) else { return }
        #expect(summary.agreements.count == 4)
        let committed = try #require(harness.machine.chain).ledger
        #expect(MarketState.of(committed).openAgreements(ofFile: summary.fileID).isEmpty, "no block was made")

        guard let (ended, note) = try Self.delete(summary, &harness) else { return }
        #expect(ended == 4)
        #expect(note == nil)
        let pool = try #require(harness.machine.chain?.mempool)
        #expect(pool.count == 5, "the opening, then one end per agreement")
        let pending = MarketState.of(pool.pending)
        #expect(pending.openAgreements(ofFile: summary.fileID).isEmpty)
        #expect(summary.agreements.allSatisfy { pending.agreements[$0]?.state == .ended })
    }

    /// The owner's account has a transfer pending, then a put's opening, then the ends of its agreements (the file
    /// was deleted at once). A block leaves the transfer unaffordable: the mempool drops it, and the rest with it,
    /// as their nonces no longer follow (in the soak benchmark a provider's late proof batch did this to the same
    /// peer's transactions as owner, and 56 agreements stayed open on deleted files). The peer signs the opening
    /// and the ends again, the ends naming the agreements the new opening opens; the transfer is refused, logged.
    @Test func transactionsDroppedBehindOneThatNoLongerAppliesAreSignedAgain() throws {
        var harness = try Self.harness(providers: 6, balance: Amount(10_000_000))
        harness.respond = { peer, request, now in
            if case .storage(.confirm) = request { return .storage(.stored) }
            return PutHarness.willing(peer, request, now)
        }
        let me = harness.me.publicKey
        let transfer: Key256
        do {
            guard case .running(let storage) = harness.machine.state,
                  case .success(let hash) = storage.peer.submitSigned(
                    .transfer(to: Identity.generate().publicKey, amount: Amount(5_000_000)), now: harness.now)
            else {
                Issue.record("the transfer was refused")
                return
            }
            transfer = hash
        }
        guard let summary = Self.finishedPut(&harness) else { return }
        guard let (ended, _) = try Self.delete(summary, &harness) else { return }
        #expect(ended == 4)
        guard case .running(let storage) = harness.machine.state, let chain = storage.peer.chain else {
            Issue.record("no chain")
            return
        }
        #expect(chain.mempool.count == 6, "the transfer, the opening, then the four ends")

        // The next block leaves the account short of the transfer's amount, not of the escrow.
        var state = chain.ledger
        state.accounts[me]!.balance = Amount(4_000_000)
        let block = Block(
            header: BlockHeader(
                chainID: chain.chainID, height: state.height + 1, previousHash: state.lastBlockHash,
                timeMs: state.lastBlockTimeMs + 500, proposer: me,
                transactionRoot: TransactionRoot.of([SignedTransaction]()), transactionCount: 0),
            transactions: [])
        _ = storage.peer.takeActions()
        storage.peer.withChain(now: harness.now) { chain in
            chain.ledger = state
            chain.mempool.update(afterCommitting: block, newState: state)
            chain.reportDroppedOwnTransactions(after: block)
        }
        let pool = try #require(storage.peer.chain?.mempool)
        #expect(!pool.contains(transfer))
        #expect(pool.count == 5, "the opening and the four ends, signed again")
        let pending = MarketState.of(pool.pending)
        let agreements = pending.agreements(ofFile: summary.fileID)
        #expect(agreements.count == 4)
        #expect(agreements.allSatisfy { $0.state == .ended }, "the new opening's agreements are the ones ended")
        #expect(summary.agreements.allSatisfy { pending.agreements[$0] == nil }, "the first opening never applied")
        let warnings = storage.peer.takeActions().compactMap { action -> String? in
            if case .log(let entry) = action, entry.level == .warning { entry.metadata["cairn.tx"] } else { nil }
        }
        #expect(warnings == [transfer.hex], "the transfer no longer applies: said, not signed again")
    }

    @Test func aRefusedOpeningLeavesThePutStoredWithTheChainsReason() throws {
        var harness = try Self.harness(providers: 6, balance: Amount(10_000_000))
        let put = harness.command { _ in .startPut(Self.order(size: 4096)) }
        let segment = harness.command { _ in .putSegment(put: put, PutHarness.segment(0, n: 4)) }
        guard case .putSegmentAccepted? = harness.result(of: segment) else { return }
        // Every provider withdraws while the shards travel: the chain refuses the agreements.
        guard case .running(let storage) = harness.machine.state, var chain = storage.peer.chain else {
            Issue.record("no chain")
            return
        }
        var market = MarketState.of(chain.ledger)
        for key in market.providers.keys { market.providers[key]?.status = .withdrawing }
        chain.ledger.extensionStates[MarketExtension.kind] = market
        chain.mempool = Mempool(rules: chain.rules, limits: chain.config.mempoolLimits, committed: chain.ledger)
        storage.peer.chain = chain

        let finish = harness.command { _ in .finishPut(put: put, fileSize: 4096) }
        guard case .putFinished(let summary)? = harness.result(of: finish) else {
            Issue.record("not finished: \(String(describing: harness.result(of: finish)))")
            return
        }
        #expect(summary.agreements.isEmpty)
        #expect(summary.agreementsTransaction == nil)
        let note = try #require(summary.agreementsNote)
        #expect(note.hasPrefix("no agreements: the chain refused the transaction that opens them"))
        #expect(note.contains("withdrawing"))
    }
}
