import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// The storage market inside the running peer (DESIGN.md §9): transactions this peer signs as provider or
/// owner, and what it does as blocks are committed.
extension RunningPeer {
    /// The committed market, nil on a peer without a chain or on a network whose genesis has no market.
    var market: (state: MarketState, parameters: MarketParameters)? {
        guard let chain, let parameters = chain.params.market else { return nil }
        return (MarketState.of(chain.ledger), parameters)
    }

    /// Signs `kind` with this peer's identity (its next nonce, the chain's minimum fee) and submits it to the
    /// chain: into the mempool and gossiped to the validators. Refused with the reason, changing nothing, when
    /// the ledger would not take it.
    /// The fee is the least the ledger takes for `kind` (`LedgerRules.minimumFee`): none for proofs.
    mutating func submitSigned(_ kind: TransactionKind, now: Instant) -> Result<Key256, TransactionSubmissionError> {
        guard chain != nil else { return .failure(.undecodable("this peer does not run the chain")) }
        var result: Result<Key256, TransactionSubmissionError> = .failure(.undecodable("not submitted"))
        let identity = self.identity
        withChain(now: now) { chain in
            let tx = Transaction(
                chainID: chain.chainID, sender: identity.publicKey, nonce: chain.nextNonce(of: identity.publicKey),
                fee: chain.rules.minimumFee(for: kind), kind: kind)
            result = chain.submit(SignedTransaction(signing: tx, with: identity).encoded)
        }
        return result
    }

    mutating func marketCommand(_ command: MarketCommand, id: CommandID, now: Instant) {
        guard let chain, let parameters = chain.params.market else {
            return actions.append(.deliver(id, .failed("this network's chain has no storage market")))
        }
        let kind: TransactionKind
        switch command {
        case .snapshot:
            let snapshot = MarketSnapshot(
                height: chain.height, parameters: parameters, state: MarketState.of(chain.ledger),
                local: identity.publicKey, balance: chain.ledger.balance(of: identity.publicKey),
                tokenSymbol: chain.params.tokenSymbol, decimals: chain.params.decimals,
                localWarnings: marketAgent?.proofWarnings ?? [])
            return actions.append(.deliver(id, .market(.snapshot(snapshot))))
        case .register(let capacity, let price, let stake):
            kind = MarketTransaction.registerProvider(
                capacityBytes: capacity, pricePerGiBEpoch: price, stake: stake, address: "\(localPeer.address)")
        case .update(let capacity, let price, let stake):
            kind = MarketTransaction.updateProvider(
                capacityBytes: capacity, pricePerGiBEpoch: price, address: "\(localPeer.address)", addedStake: stake)
        case .withdraw:
            kind = MarketTransaction.withdrawProvider()
        case .renew(let agreement, let epochs):
            kind = MarketTransaction.renew(agreementID: agreement, extraEpochs: epochs)
        case .end(let agreement):
            kind = MarketTransaction.end(agreementID: agreement)
        }
        actions.append(.deliver(id, .market(.submitted(submitSigned(kind, now: now)))))
    }

    /// On what terms this provider keeps `fileID`'s shards for good, from the committed chain (issue 9 item 2):
    /// without limit on a network with no market or under an open agreement for the file with this provider;
    /// otherwise within the free allowance beyond the bytes its agreements cover.
    var keepTerms: (Key256) -> ProviderMachine.KeepTerms {
        guard let chain, let parameters = chain.params.market else { return { _ in .unlimited } }
        let state = MarketState.of(chain.ledger)
        let local = identity.publicKey
        let limit = KeptBytesLimit(
            allowance: parameters.freeAllowanceBytes, underAgreements: state.providers[local]?.usedBytes ?? 0)
        return { fileID in state.hasOpenAgreement(provider: local, fileID: fileID) ? .agreement : .allowance(limit) }
    }

    /// Block `height` is committed: the market's duties of this peer that the new state may call for
    /// (`MarketAgent`: registering, proving, warnings after a settlement), and the confirmations waiting here
    /// for their agreements.
    mutating func marketCommitted(height: Height, now: Instant) {
        if provider?.waitingKeeps.isEmpty == false || provider?.deferredDeletes.isEmpty == false {
            let terms = keepTerms
            provider?.blockCommitted(terms: terms, actions: &actions)
        }
        guard marketAgent != nil, let chain, chain.params.market != nil else { return }
        // Caught up: no peer has told of a later block than the one just committed.
        let caughtUp = chain.bestKnownHeight <= height
        let inMempool = Set(marketAgent!.outstanding.filter { chain.mempool.contains($0) })
        withMarketAgent(now: now) { agent in
            agent.committed(
                height: height, ledger: chain.ledger, chain: chain.params, caughtUp: caughtUp, inMempool: inMempool)
        }
    }

    /// Runs `body` on the market agent, then carries its effects out (which may feed it again: a submission's
    /// result).
    mutating func withMarketAgent(now: Instant, _ body: (inout MarketAgent) -> Void) {
        guard marketAgent != nil else { return }
        body(&marketAgent!)
        while let effects = marketAgent?.takeEffects(), !effects.isEmpty {
            for effect in effects { carryOut(effect, now: now) }
        }
    }

    mutating func carryOut(_ effect: MarketAgentEffect, now: Instant) {
        switch effect {
        case .submit(let kind, let purpose):
            let result = submitSigned(kind, now: now)
            let height = chain?.height ?? 0
            marketAgent?.submitted(purpose, result, height: height)
            if case .success(let hash) = result {
                actions.append(.log(PeerLogEntry(.info, "submitted a market transaction", [
                    "cairn.market.purpose": MarketAgent.name(purpose), "cairn.tx": hash.hex,
                ])))
            }
        case .lookUp(let fileID):
            marketLookups[dht.startQuery(.closestPeers(fileID), now: now, alpha: config.keeperLookupAlpha)] = fileID
        case .readDescriptor(let ticket, let fileID):
            actions.append(.store(ticket, .getBlob(kind: .descriptor, key: fileID)))
        case .askDescriptor(let fileID, let keeper):
            send(.storage(.getBlob(kind: .descriptor, key: fileID)), to: keeper, for: .marketDescriptor(fileID),
                 now: now, timeout: LocateOperation.blobTimeout)
        case .releaseShards(let ticket, let reference, let shards):
            actions.append(.store(ticket, .releaseShards(reference: reference, shards: shards)))
        case .prove(let ticket, let shard, let leaf):
            actions.append(.store(ticket, .proveShard(shard, leaf: leaf)))
        case .keepDescriptor(let ticket, let fileID, let bytes, let owner):
            actions.append(.store(ticket, .putBlob(kind: .descriptor, key: fileID, bytes: bytes, owner: owner)))
        case .repairSlot(let job):
            startSelfRepair(job, now: now)
        case .log(let entry):
            actions.append(.log(entry))
        }
    }
}
