import CairnCrypto

extension LedgerState {
    /// Applies `tx` as part of the next block (height `height + 1`) when `validate` accepts it, and changes
    /// nothing otherwise. The fee goes to `feeRecipient` (the block's proposer), or is burnt when nil.
    public mutating func apply(
        _ signed: SignedTransaction, rules: LedgerRules, signatureVerified: Bool, feeRecipient: PublicKey? = nil
    ) -> Result<Void, TransactionRejection> {
        if let rejection = rejection(
            of: signed, rules: rules, signatureVerified: signatureVerified,
            feeRecipient: feeRecipient)
        {
            return .failure(rejection)
        }
        let tx = signed.transaction
        if case .extension(let kind, let payload) = tx.kind {
            return applyExtension(signed, kind: kind, payload: payload, rules: rules, feeRecipient: feeRecipient)
        }
        // `rejection` checked every sum and difference below against overflow and underflow.
        let fee = tx.fee.baseUnits
        var sender = accounts[tx.sender] ?? .empty
        sender.nextNonce += 1
        switch tx.kind {
        case .transfer(let to, let amount):
            sender.balance.baseUnits -= fee + amount.baseUnits
            accounts[tx.sender] = sender
            accounts[to, default: .empty].balance.baseUnits += amount.baseUnits
        case .bond(let amount):
            sender.balance.baseUnits -= fee + amount.baseUnits
            sender.stake.baseUnits += amount.baseUnits
            accounts[tx.sender] = sender
        case .unbond(let amount):
            sender.balance.baseUnits -= fee
            sender.stake.baseUnits -= amount.baseUnits
            accounts[tx.sender] = sender
            let maturity = height + 1 + rules.params.unbondingDelayBlocks
            unbondings[maturity, default: []].append(Unbonding(account: tx.sender, amount: amount, maturity: maturity))
        case .faucet:
            let minted = rules.params.faucet?.amount.baseUnits ?? 0
            sender.balance.baseUnits = sender.balance.baseUnits + minted - fee
            sender.faucetLastUse = height + 1
            accounts[tx.sender] = sender
            totalSupply.baseUnits += minted
        case .extension:
            break
        }
        payFee(tx.fee, to: feeRecipient)
        return .success(())
    }

    /// Credits the fee to the proposer, or burns it (takes it out of the supply) when there is none.
    mutating func payFee(_ fee: Amount, to recipient: PublicKey?) {
        if let recipient {
            accounts[recipient, default: .empty].balance.baseUnits += fee.baseUnits
        } else {
            totalSupply.baseUnits -= fee.baseUnits
        }
    }

    /// Takes the fee and the nonce, then runs the extension on this state moved into an `ExtensionLedger`
    /// (no copy); on its refusal the journal undoes everything, the fee and nonce included.
    private mutating func applyExtension(
        _ signed: SignedTransaction, kind: UInt16, payload: [UInt8], rules: LedgerRules, feeRecipient: PublicKey?
    ) -> Result<Void, TransactionRejection> {
        guard let ext = rules.extensions.byKind[kind] else { return .failure(.unknownKind(kind)) }
        let tx = signed.transaction
        let call = ExtensionCall(
            sender: tx.sender, payload: payload, height: height + 1,
            transactionHash: signed.hash)
        var ledger = ExtensionLedger(kind: kind, call: call, state: LedgerState())
        swap(&ledger.state, &self)
        ledger.setAccount(tx.sender) { account in
            account.nextNonce += 1
            account.balance.baseUnits -= tx.fee.baseUnits
        }
        var result: Result<Void, TransactionRejection> = .success(())
        do throws(ExtensionRefusal) {
            try ext.apply(call, to: &ledger)
            if let feeRecipient, (try? ledger.state.account(feeRecipient).balance.adding(tx.fee)) == nil {
                throw ExtensionRefusal("the proposer's balance would overflow")
            }
        } catch {
            ledger.rollBack()
            result = .failure(.extensionRefused(kind: kind, reason: error.reason))
        }
        swap(&ledger.state, &self)
        if case .success = result { payFee(tx.fee, to: feeRecipient) }
        return result
    }
}
