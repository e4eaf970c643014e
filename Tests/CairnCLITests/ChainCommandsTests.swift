import ArgumentParser
import CairnAPI
import Testing

@testable import cairn

/// `cairn chain`, `cairn wallet` and `cairn validator`: what they take, and what they refuse before asking the peer.
@Suite struct ChainCommandsTests {
    static let address = String(repeating: "ab", count: 32)

    @Test(arguments: [("12", "12"), ("12.5", "12.5"), (".5", ".5"), ("7.", "7."), (" 3 ", "3")])
    func amountsAreDecimalTokens(text: String, sent: String) throws {
        #expect(try parseAmountArgument(text, "AMOUNT") == .tokens(sent))
    }

    @Test(arguments: ["", ".", "-1", "1,5", "1.2.3", "12 CRN", "1e3", "٣"])
    func otherAmountsAreRefused(text: String) {
        #expect(throws: ValidationError.self) { try parseAmountArgument(text, "AMOUNT") }
    }

    @Test func commandsParse() throws {
        for arguments in [
            ["chain", "status", "--json"], ["chain", "block", "12"], ["chain", "block", Self.address],
            ["chain", "tx", Self.address], ["chain", "submit", "00ff"], ["wallet", "address"], ["wallet", "balance"],
            ["wallet", "transfer", Self.address, "12.5", "--fee", "0.01", "--sign-only"], ["wallet", "history"],
            ["wallet", "faucet"], ["validator", "bond", "1000"], ["validator", "unbond", "500"], ["validator", "list"],
        ] {
            #expect(throws: Never.self, "\(arguments)") { _ = try Cairn.parseAsRoot(arguments) }
        }
    }

    @Test func malformedArgumentsAreRefusedBeforeAskingThePeer() {
        for arguments in [
            ["wallet", "transfer", "abc", "1"], ["wallet", "transfer", Self.address, "one"],
            ["wallet", "transfer", Self.address, "1", "--fee", "x"], ["chain", "block", "latest"],
            ["chain", "tx", "12"], ["validator", "bond", "-5"], ["wallet", "history", "--limit", "0"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try Cairn.parseAsRoot(arguments) }
        }
    }
}
