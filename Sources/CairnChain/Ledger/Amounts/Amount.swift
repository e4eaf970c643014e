/// A quantity of the chain's token in base units (the smallest indivisible unit; `ChainParameters.decimals`
/// says how many base units make one token). Integer only: no floating point anywhere (DESIGN.md §6).
///
/// Arithmetic is checked: `adding` and `subtracting` throw `AmountError` instead of trapping or wrapping, so a
/// balance near `UInt64.max` is refused by validation, never by a crash.
public struct Amount: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var baseUnits: UInt64

    public static let zero = Amount(0)
    public static let max = Amount(UInt64.max)

    public init(_ baseUnits: UInt64) { self.baseUnits = baseUnits }

    /// `self + other`; throws `.overflow` past `UInt64.max` base units.
    @inlinable
    public func adding(_ other: Amount) throws(AmountError) -> Amount {
        let (sum, overflow) = baseUnits.addingReportingOverflow(other.baseUnits)
        guard !overflow else { throw .overflow(self, plus: other) }
        return Amount(sum)
    }

    /// `self - other`; throws `.insufficient` when `other` is larger.
    @inlinable
    public func subtracting(_ other: Amount) throws(AmountError) -> Amount {
        guard other.baseUnits <= baseUnits else { throw .insufficient(needed: other, available: self) }
        return Amount(baseUnits - other.baseUnits)
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.baseUnits < rhs.baseUnits }

    public var description: String { "\(baseUnits)" }

    // A bare JSON number, so genesis files read "1000000", not {"baseUnits": 1000000}.
    public init(from decoder: any Decoder) throws {
        baseUnits = try decoder.singleValueContainer().decode(UInt64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(baseUnits)
    }
}

/// Why checked arithmetic on amounts failed.
public enum AmountError: Error, Hashable, Sendable, CustomStringConvertible {
    case overflow(Amount, plus: Amount)
    case insufficient(needed: Amount, available: Amount)

    public var description: String {
        switch self {
        case .overflow(let a, let b):
            "\(a) + \(b) base units exceeds the largest amount (\(UInt64.max))"
        case .insufficient(let needed, let available):
            "\(needed) base units are needed but only \(available) are available"
        }
    }
}
