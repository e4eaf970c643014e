import CairnCrypto

extension ChainParameters {
    /// Checks every field against its documented range and returns nothing, or throws
    /// `ChainParametersError` naming the first bad field by its JSON key.
    public func validate() throws(ChainParametersError) {
        func bad(_ field: String, _ reason: String) -> ChainParametersError { .invalid(field: field, reason) }
        let symbolOK = tokenSymbol.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57)
        }
        guard (1...12).contains(tokenSymbol.utf8.count), symbolOK else {
            throw bad("token_symbol", "\"\(tokenSymbol)\" must be 1 to 12 ASCII letters or digits")
        }
        guard decimals <= 18 else { throw bad("decimals", "\(decimals) is more than 18") }
        guard blockIntervalMs > 0 else { throw bad("block_interval_ms", "must be more than 0") }
        for (key, value) in [
            ("timeouts.propose_ms", timeouts.proposeMs), ("timeouts.prevote_ms", timeouts.prevoteMs),
            ("timeouts.precommit_ms", timeouts.precommitMs),
        ] where value == 0 {
            throw bad(key, "must be more than 0")
        }
        guard maxBlockTxs > 0 else { throw bad("max_block_txs", "must be more than 0") }
        guard maxTxBytes >= UInt32(SignedTransaction.minEncodedBytes) else {
            throw bad(
                "max_tx_bytes",
                "\(maxTxBytes) is less than the smallest transaction (\(SignedTransaction.minEncodedBytes) bytes)")
        }
        guard maxTxBytes <= UInt32(SignedTransaction.maxEncodedBytes) else {
            throw bad(
                "max_tx_bytes",
                "\(maxTxBytes) is more than the codec's limit of \(SignedTransaction.maxEncodedBytes) bytes")
        }
        guard maxBlockBytes >= UInt32(BlockHeader.encodedByteCount) + 4 + maxTxBytes else {
            throw bad("max_block_bytes", "\(maxBlockBytes) cannot hold a header and one transaction of max_tx_bytes")
        }
        guard maxBlockBytes <= UInt32(Block.maxEncodedBytes) else {
            throw bad(
                "max_block_bytes", "\(maxBlockBytes) is more than the codec's limit of \(Block.maxEncodedBytes) bytes")
        }
        guard minValidatorStake > .zero else { throw bad("min_validator_stake", "must be more than 0") }
        guard maxValidators > 0 else { throw bad("max_validators", "must be more than 0") }
        if let faucet {
            guard faucet.amount > .zero else { throw bad("faucet.amount", "must be more than 0") }
        }
        try market?.validate()
        var supply = Amount.zero
        for (field, entries) in [("initial_accounts", initialAccounts), ("initial_validators", initialValidators)] {
            for (address, amount) in entries.sorted(by: { $0.key < $1.key }) {
                do throws(AddressError) {
                    _ = try PublicKey(address: address)
                } catch {
                    throw bad(field, error.description)
                }
                do throws(AmountError) {
                    supply = try supply.adding(amount)
                } catch {
                    throw bad(field, "the genesis amounts add up to more than \(UInt64.max) base units")
                }
            }
        }
        guard initialValidators.values.contains(where: { $0 >= minValidatorStake }) else {
            throw bad(
                "initial_validators",
                "no account has a stake of at least min_validator_stake (\(minValidatorStake)); "
                    + "the chain could not make blocks")
        }
    }
}

/// Why chain parameters were refused.
public enum ChainParametersError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalid(field: String, String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "chain.\(field): \(reason)"
        }
    }
}
