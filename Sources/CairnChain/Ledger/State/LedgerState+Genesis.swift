import CairnCrypto

extension LedgerState {
    /// The state at height 0: the genesis balances and stakes of `params`, which are validated first (throws
    /// `ChainParametersError` naming the bad field).
    public static func genesis(_ params: ChainParameters) throws(ChainParametersError) -> LedgerState {
        try params.validate()
        var state = LedgerState()
        var supply: UInt64 = 0
        // validate() parsed every address and summed every amount without overflow, so the `try?` below
        // cannot fail.
        for (address, balance) in params.initialAccounts {
            guard let key = try? PublicKey(address: address) else { continue }
            state.accounts[key, default: .empty].balance = balance
            supply += balance.baseUnits
        }
        for (address, stake) in params.initialValidators {
            guard let key = try? PublicKey(address: address) else { continue }
            state.accounts[key, default: .empty].stake = stake
            supply += stake.baseUnits
        }
        state.totalSupply = Amount(supply)
        return state
    }
}
