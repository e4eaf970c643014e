/// Decimal text for amounts: "12.5" is 12_500_000 base units at 6 decimals. Exact, integer-only conversions.
extension Amount {
    /// The amount in tokens with at most `decimals` fractional digits, trailing zeros dropped: 12_500_000 at
    /// 6 decimals is "12.5", 12_000_000 is "12", 1 is "0.000001".
    public func formatted(decimals: UInt8) -> String {
        guard decimals > 0 else { return "\(baseUnits)" }
        let scale = Amount.scale(decimals)
        let whole = scale.map { baseUnits / $0 } ?? 0
        let fraction = scale.map { baseUnits % $0 } ?? baseUnits
        guard fraction != 0 else { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: Int(decimals) - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// Parses "12", "12.5" or ".5" (tokens, at most `decimals` fractional digits) into base units, exactly.
    /// Throws `AmountParseError` naming what is wrong: empty text, a character that is not a digit, two
    /// points, more fractional digits than the token has, or a value past `UInt64.max` base units.
    public init(parsing text: String, decimals: UInt8) throws(AmountParseError) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { throw .empty }
        let point = UInt8(ascii: ".")
        let parts = utf8.split(separator: point, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .morePointsThanOne(text) }
        let wholeDigits = parts[0]
        let fractionDigits = parts.count == 2 ? parts[1] : []
        guard !(wholeDigits.isEmpty && fractionDigits.isEmpty) else { throw .noDigits(text) }
        guard fractionDigits.count <= Int(decimals) else {
            throw .tooManyDecimals(text, found: fractionDigits.count, allowed: decimals)
        }
        var value: UInt64 = 0
        // Whole digits, then the fraction padded with zeros to `decimals` digits: one base-10 integer.
        let padded =
            Array(wholeDigits) + Array(fractionDigits)
            + [UInt8](repeating: UInt8(ascii: "0"), count: Int(decimals) - fractionDigits.count)
        for byte in padded {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw .notADigit(text, character: Character(Unicode.Scalar(byte)))
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .tooLarge(text) }
            value = next
        }
        self.init(value)
    }

    /// 10^decimals, nil past UInt64 (20 or more decimals: every amount is then a pure fraction).
    static func scale(_ decimals: UInt8) -> UInt64? {
        var scale: UInt64 = 1
        for _ in 0..<decimals {
            let (next, overflow) = scale.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            scale = next
        }
        return scale
    }
}

/// Why a decimal text is not an amount.
public enum AmountParseError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case noDigits(String)
    case notADigit(String, character: Character)
    case morePointsThanOne(String)
    case tooManyDecimals(String, found: Int, allowed: UInt8)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty: "the amount is empty; write a number such as 12 or 12.5"
        case .noDigits(let text): "\"\(text)\" has no digits; write a number such as 12 or 12.5"
        case .notADigit(let text, let character):
            "\"\(text)\" contains '\(character)'; an amount is digits with at most one decimal point"
        case .morePointsThanOne(let text): "\"\(text)\" has more than one decimal point"
        case .tooManyDecimals(let text, let found, let allowed):
            "\"\(text)\" has \(found) digits after the point, but the token has only \(allowed) decimals"
        case .tooLarge(let text): "\"\(text)\" is larger than the largest amount (\(UInt64.max) base units)"
        }
    }
}
