/// How many bytes of confirmed shards a provider may keep after a confirmation (issue 9 item 2): the network's
/// free allowance (`MarketParameters.freeAllowanceBytes`, for test networks) plus the bytes this provider holds
/// under open agreements on the committed chain. A confirmation that would keep more is refused by the store,
/// which alone knows the bytes (`StorageError.freeAllowanceUsed`), and changes nothing.
public struct KeptBytesLimit: Hashable, Sendable {
    /// Bytes kept free of charge, outside any agreement.
    public var allowance: UInt64
    /// Bytes this provider stores under its open agreements.
    public var underAgreements: UInt64

    public init(allowance: UInt64, underAgreements: UInt64) {
        self.allowance = allowance
        self.underAgreements = underAgreements
    }

    /// The most confirmed bytes the store may keep.
    public var total: UInt64 {
        let (sum, overflow) = allowance.addingReportingOverflow(underAgreements)
        return overflow ? .max : sum
    }

    /// The error for a confirmation that would leave `kept` confirmed bytes, or nil when they fit.
    public func refusal(keeping kept: UInt64) -> StorageError? {
        guard kept > total else { return nil }
        return .freeAllowanceUsed(allowance: allowance, outsideAgreements: kept - min(kept, underAgreements))
    }
}
