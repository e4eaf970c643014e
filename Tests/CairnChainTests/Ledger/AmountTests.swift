import Testing

@testable import CairnChain

@Suite struct AmountTests {
    @Test(arguments: [
        (UInt64(12_500_000), UInt8(6), "12.5"), (12_000_000, 6, "12"), (1, 6, "0.000001"), (0, 6, "0"),
        (UInt64.max, 6, "18446744073709.551615"), (42, 0, "42"), (1_234_567, 3, "1234.567"),
    ])
    func formatsAndParsesBack(units: UInt64, decimals: UInt8, text: String) throws {
        #expect(Amount(units).formatted(decimals: decimals) == text)
        #expect(try Amount(parsing: text, decimals: decimals) == Amount(units))
    }

    @Test func parsesShortForms() throws {
        #expect(try Amount(parsing: ".5", decimals: 6) == Amount(500_000))
        #expect(try Amount(parsing: "12.", decimals: 6) == Amount(12_000_000))
        #expect(try Amount(parsing: "007.10", decimals: 6) == Amount(7_100_000))
    }

    @Test(arguments: [
        ("", AmountParseError.empty), (".", .noDigits(".")), ("1.2.3", .morePointsThanOne("1.2.3")),
        ("1,5", .notADigit("1,5", character: ",")), ("-1", .notADigit("-1", character: "-")),
        ("0.0000001", .tooManyDecimals("0.0000001", found: 7, allowed: 6)),
        ("18446744073709.551616", .tooLarge("18446744073709.551616")),
    ])
    func refusesWithTheReason(text: String, error: AmountParseError) {
        #expect(throws: error) { try Amount(parsing: text, decimals: 6) }
        #expect(!error.description.isEmpty)
    }

    @Test func checkedArithmeticThrowsInsteadOfTrapping() throws {
        #expect(throws: AmountError.overflow(.max, plus: Amount(1))) { try Amount.max.adding(Amount(1)) }
        #expect(throws: AmountError.insufficient(needed: Amount(2), available: Amount(1))) {
            try Amount(1).subtracting(Amount(2))
        }
        #expect(try Amount(2).adding(Amount(3)) == Amount(5))
    }
}
