/// The rules of one chain, fixed by its genesis: the `"chain"` section of `bootstrap/genesis.json`
/// (DESIGN.md §6). JSON keys are snake_case; amounts are integers in base units.
public struct ChainParameters: Hashable, Sendable, Codable {
    /// Ticker shown beside amounts, 1–12 ASCII letters or digits ("CRN").
    public var tokenSymbol: String
    /// Base units per token = 10^decimals; at most 18.
    public var decimals: UInt8
    /// Target time between blocks in milliseconds (CometBFT's `timeout_commit`): how long a validator waits
    /// after a commit before proposing the next height.
    public var blockIntervalMs: UInt64
    public var timeouts: ConsensusTimeouts
    /// Smallest fee a transaction may pay, base units.
    public var minFee: Amount
    /// Most transactions in one block.
    public var maxBlockTxs: UInt32
    /// Most bytes of one encoded block (header and transactions).
    public var maxBlockBytes: UInt32
    /// Most bytes of one signed transaction; at most `SignedTransaction.maxEncodedBytes`.
    public var maxTxBytes: UInt32
    /// Bonded stake that makes an account a validator, base units.
    public var minValidatorStake: Amount
    /// Most validators: the largest stakes win, ties broken by key bytes.
    public var maxValidators: UInt32
    /// Blocks between an unbond and the return of the stake to the balance.
    public var unbondingDelayBlocks: UInt64
    /// Genesis balances: address (64 hex characters) → base units.
    public var initialAccounts: [String: Amount]
    /// Genesis stakes: address → bonded base units. These accounts start as validators when the stake is at
    /// least `minValidatorStake`.
    public var initialValidators: [String: Amount]
    /// A faucet that mints to whoever asks: test networks only; absent on a real network.
    public var faucet: FaucetParameters?
    /// The storage market's rules (DESIGN.md §9); nil for a chain without a market. Part of the genesis, so of
    /// the chain ID.
    public var market: MarketParameters?

    public init(
        tokenSymbol: String, decimals: UInt8, blockIntervalMs: UInt64, timeouts: ConsensusTimeouts, minFee: Amount,
        maxBlockTxs: UInt32, maxBlockBytes: UInt32, maxTxBytes: UInt32, minValidatorStake: Amount,
        maxValidators: UInt32, unbondingDelayBlocks: UInt64, initialAccounts: [String: Amount],
        initialValidators: [String: Amount], faucet: FaucetParameters?, market: MarketParameters? = nil
    ) {
        self.tokenSymbol = tokenSymbol
        self.decimals = decimals
        self.blockIntervalMs = blockIntervalMs
        self.timeouts = timeouts
        self.minFee = minFee
        self.maxBlockTxs = maxBlockTxs
        self.maxBlockBytes = maxBlockBytes
        self.maxTxBytes = maxTxBytes
        self.minValidatorStake = minValidatorStake
        self.maxValidators = maxValidators
        self.unbondingDelayBlocks = unbondingDelayBlocks
        self.initialAccounts = initialAccounts
        self.initialValidators = initialValidators
        self.faucet = faucet
        self.market = market
    }

    enum CodingKeys: String, CodingKey {
        case tokenSymbol = "token_symbol"
        case decimals
        case blockIntervalMs = "block_interval_ms"
        case timeouts
        case minFee = "min_fee"
        case maxBlockTxs = "max_block_txs"
        case maxBlockBytes = "max_block_bytes"
        case maxTxBytes = "max_tx_bytes"
        case minValidatorStake = "min_validator_stake"
        case maxValidators = "max_validators"
        case unbondingDelayBlocks = "unbonding_delay_blocks"
        case initialAccounts = "initial_accounts"
        case initialValidators = "initial_validators"
        case faucet
        case market
    }
}
