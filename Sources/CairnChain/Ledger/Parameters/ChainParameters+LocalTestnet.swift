import CairnCrypto

extension ChainParameters {
    /// A local test network: 6 decimals, a block every 500 ms, CometBFT's timeouts divided by three, four
    /// validators with 1,000 CRN staked and 1,000,000 CRN each from `localTestnetIdentity(0...3)`, and a faucet of
    /// 100 CRN per account every 20 blocks (10 s).
    public static let localTestnet: ChainParameters = {
        let oneToken: UInt64 = 1_000_000
        let keys = (0..<4).map { localTestnetIdentity($0).publicKey.address }
        return ChainParameters(
            tokenSymbol: "CRN", decimals: 6, blockIntervalMs: 500,
            timeouts: ConsensusTimeouts(
                proposeMs: 1000, proposeDeltaMs: 170, prevoteMs: 330, prevoteDeltaMs: 170, precommitMs: 330,
                precommitDeltaMs: 170),
            minFee: Amount(1_000), maxBlockTxs: 5_000, maxBlockBytes: 1 << 20, maxTxBytes: 16 << 10,
            minValidatorStake: Amount(1_000 * oneToken), maxValidators: 100, unbondingDelayBlocks: 20,
            initialAccounts: Dictionary(uniqueKeysWithValues: keys.map { ($0, Amount(1_000_000 * oneToken)) }),
            initialValidators: Dictionary(uniqueKeysWithValues: keys.map { ($0, Amount(1_000 * oneToken)) }),
            faucet: FaucetParameters(amount: Amount(100 * oneToken), cooldownBlocks: 20))
    }()

    /// The well-known identity of local test validator `index`: the seed is 32 bytes of `index + 1`. Anyone can
    /// derive these keys; they are for local networks and simulations only.
    public static func localTestnetIdentity(_ index: Int) -> Identity {
        Identity(seed: [UInt8](repeating: UInt8(truncatingIfNeeded: index + 1), count: 32))!
    }
}
