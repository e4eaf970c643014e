/// What a ledger needs besides its state to judge a transaction: the chain's parameters, its identity and
/// the extensions it runs. Fixed for a chain's life; the chain builds one at start-up.
public struct LedgerRules: Sendable {
    public let params: ChainParameters
    public let chainID: ChainID
    public let extensions: LedgerExtensions

    public init(params: ChainParameters, chainID: ChainID, extensions: LedgerExtensions = .none) {
        self.params = params
        self.chainID = chainID
        self.extensions = extensions
    }
}

extension LedgerRules {
    /// The smallest fee a transaction of `kind` must pay: the genesis `min_fee`, or less when a ledger extension
    /// waives it for its kind (`LedgerExtension.minimumFee(forPayload:chainMinimum:)`).
    public func minimumFee(for kind: TransactionKind) -> Amount {
        guard case .extension(let number, let payload) = kind, let ext = extensions.byKind[number] else {
            return params.minFee
        }
        return ext.minimumFee(forPayload: payload, chainMinimum: params.minFee)
    }
}
