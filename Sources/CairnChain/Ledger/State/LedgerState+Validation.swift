import CairnCrypto

extension LedgerState {
    /// Whether `tx` may be applied to this state in the next block (height `height + 1`). Pure.
    ///
    /// The checks, in order: size (`maxTxBytes`), chain, signature (skipped when `signatureVerified`: the
    /// mempool checked it already), nonce (equal to the account's next), fee (at least `minFee`), then the
    /// kind's own rules and the funds for amount + fee. `feeRecipient` is the proposer who will be paid
    /// (nil: the fee is burnt, as in the mempool's scratch state).
    public func validate(
        _ tx: SignedTransaction, rules: LedgerRules, signatureVerified: Bool, feeRecipient: PublicKey? = nil
    ) -> Result<Void, TransactionRejection> {
        if let rejection = rejection(
            of: tx, rules: rules, signatureVerified: signatureVerified,
            feeRecipient: feeRecipient)
        {
            return .failure(rejection)
        }
        return .success(())
    }

    /// The first rule `tx` breaks, or nil.
    func rejection(
        of signed: SignedTransaction, rules: LedgerRules, signatureVerified: Bool, feeRecipient: PublicKey?
    ) -> TransactionRejection? {
        let params = rules.params
        let tx = signed.transaction
        guard signed.byteCount <= Int(params.maxTxBytes) else {
            return .oversized(bytes: signed.byteCount, max: Int(params.maxTxBytes))
        }
        guard tx.chainID == rules.chainID else { return .wrongChain(expected: rules.chainID, found: tx.chainID) }
        guard signatureVerified || signed.verifySignature(chainID: rules.chainID) else { return .badSignature }
        let sender = account(tx.sender)
        guard tx.nonce == sender.nextNonce else {
            return tx.nonce < sender.nextNonce
                ? .nonceAlreadyUsed(nonce: tx.nonce, next: sender.nextNonce)
                : .nonceGap(nonce: tx.nonce, next: sender.nextNonce)
        }
        let minimumFee = rules.minimumFee(for: tx.kind)
        guard tx.fee >= minimumFee else { return .feeBelowMinimum(fee: tx.fee, minimum: minimumFee) }
        guard sender.nextNonce < UInt64.max else { return .overflow(what: "the sender's nonce") }

        // What leaves the balance (fee + amount) and what arrives (the faucet's mint).
        var spent = tx.fee.baseUnits
        var minted: UInt64 = 0
        switch tx.kind {
        case .transfer(let to, let amount):
            guard to != tx.sender else { return .transferToSelf }
            guard amount > .zero else { return .zeroAmount(kind: "transfer") }
            guard let total = try? tx.fee.adding(amount) else { return .overflow(what: "amount plus fee") }
            spent = total.baseUnits
            guard (try? account(to).balance.adding(amount)) != nil else {
                return .overflow(what: "the recipient's balance")
            }
        case .bond(let amount):
            guard amount > .zero else { return .zeroAmount(kind: "bond") }
            guard let total = try? tx.fee.adding(amount) else { return .overflow(what: "amount plus fee") }
            spent = total.baseUnits
            guard (try? sender.stake.adding(amount)) != nil else { return .overflow(what: "the stake") }
        case .unbond(let amount):
            guard amount > .zero else { return .zeroAmount(kind: "unbond") }
            guard amount <= sender.stake else { return .stakeBelowUnbond(stake: sender.stake, requested: amount) }
            let (_, late) = (height + 1).addingReportingOverflow(params.unbondingDelayBlocks)
            guard !late else { return .overflow(what: "the unbonding height") }
        case .faucet:
            guard let faucet = params.faucet else { return .faucetAbsent }
            if let last = sender.faucetLastUse {
                let (next, late) = last.addingReportingOverflow(faucet.cooldownBlocks)
                guard !late, height + 1 >= next else {
                    return .faucetCooldown(lastUse: last, nextAllowed: late ? .max : next)
                }
            }
            guard (try? totalSupply.adding(faucet.amount)) != nil else { return .overflow(what: "the total supply") }
            minted = faucet.amount.baseUnits
        case .extension(let kind, let payload):
            guard let ext = rules.extensions.byKind[kind] else { return .unknownKind(kind) }
            guard tx.fee <= sender.balance else {
                return .insufficientFunds(needed: tx.fee, available: sender.balance)
            }
            let call = ExtensionCall(
                sender: tx.sender, payload: payload, height: height + 1,
                transactionHash: signed.hash)
            if let reason = ext.check(call, in: self) { return .extensionRefused(kind: kind, reason: reason) }
        }
        // Minted units can pay the fee (a new account's first faucet request has nothing else).
        let (available, overflowed) = sender.balance.baseUnits.addingReportingOverflow(minted)
        guard !overflowed else { return .overflow(what: "the sender's balance") }
        guard spent <= available else {
            return .insufficientFunds(needed: Amount(spent), available: Amount(available))
        }
        if let feeRecipient, feeRecipient != tx.sender {
            guard (try? account(feeRecipient).balance.adding(tx.fee)) != nil else {
                return .overflow(what: "the proposer's balance")
            }
        }
        return nil
    }
}
