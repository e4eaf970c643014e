import ArgumentParser
import CairnAPI
import Foundation
import Testing

@testable import cairn

/// `cairn provider`, `cairn agreements` and `cairn renew`: what they take, what they send, and what they refuse
/// before asking the peer.
@Suite struct MarketCommandsTests {
    static let id = String(repeating: "cd", count: 32)

    @Test func commandsParse() throws {
        for arguments in [
            ["provider", "register", "--capacity", "1GiB", "--price", "0.01", "--stake", "100"],
            ["provider", "update", "--price", "0.02"], ["provider", "update", "--capacity", "500MB", "--stake", "5"],
            ["provider", "withdraw"], ["provider", "status", "--json"], ["agreements"], ["agreements", "--json"],
            ["agreements", "--file", Self.id], ["agreements", "list", "--file", Self.id],
            ["agreements", "end", Self.id],
            ["renew", Self.id], ["renew", Self.id, "--epochs", "10", "--json"],
        ] {
            #expect(throws: Never.self, "\(arguments)") { _ = try Cairn.parseAsRoot(arguments) }
        }
    }

    @Test func malformedArgumentsAreRefusedBeforeAskingThePeer() {
        for arguments in [
            ["provider", "register", "--capacity", "lots", "--price", "0.01", "--stake", "100"],
            ["provider", "register", "--capacity", "1GiB", "--price", "cheap", "--stake", "100"],
            ["provider", "register", "--capacity", "1GiB", "--price", "0.01", "--stake", "-1"],
            ["provider", "register", "--capacity", "1GiB", "--price", "0.01"], ["provider", "update"],
            ["provider", "update", "--capacity", "1 parsec"], ["agreements", "--file", "abc"],
            ["agreements", "end", "12"], ["renew", "xyz"], ["renew", Self.id, "--epochs", "0"],
            ["renew", Self.id, "--epochs", "-3"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try Cairn.parseAsRoot(arguments) }
        }
    }

    @Test func registerSendsBytesAndTokens() throws {
        let command = try #require(
            try Cairn.parseAsRoot(["provider", "register", "--capacity", "10GiB", "--price", "0.01", "--stake", "100"])
                as? ProviderCommand.Register)
        let body = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try command.request()))
        let object = try #require(body as? [String: Any])
        #expect(object["capacity"] as? Int == 10 << 30)
        #expect(object["price"] as? String == "0.01")
        #expect(object["stake"] as? String == "100")
    }

    @Test func updateSendsOnlyWhatIsGiven() throws {
        let command = try #require(
            try Cairn.parseAsRoot(["provider", "update", "--price", "0.5"]) as? ProviderCommand.Update)
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try command.request()))
        #expect((object as? [String: Any])?.keys.sorted() == ["price"])
    }

    @Test func renewAsksForTheGivenEpochs() throws {
        let command = try #require(try Cairn.parseAsRoot(["renew", Self.id, "--epochs", "7"]) as? RenewCommand)
        #expect(try command.path == "/api/v0/agreements/\(Self.id)/renew?epochs=7")
        let plain = try #require(try Cairn.parseAsRoot(["renew", Self.id]) as? RenewCommand)
        #expect(try plain.path == "/api/v0/agreements/\(Self.id)/renew")
    }

    @Test func statusTextShowsTheRecordAndTheWarnings() throws {
        let agreement = AgreementResponse(
            id: Self.id, owner: String(repeating: "aa", count: 32), provider: String(repeating: "bb", count: 32),
            file: String(repeating: "ee", count: 32), slot: 3, proofsOK: 12, proofsMissed: 1, paid: 120, escrow: 880,
            state: "active")
        let json = """
            {"registered": true, "status": "active", "address": "\(agreement.provider)", "stake": 99000000,
             "stake_formatted": "99 CRN", "min_stake": 100000000, "min_stake_formatted": "100 CRN", "score": 0.923,
             "agreements": 1, "proofs_ok": 12, "proofs_missed": 1, "proofs_invalid": 0, "challenges_due": 1,
             "online": true, "last_active_epoch": 4,
             "warnings": ["agreement cdcdcdcd… missed 1 epochs in a row; 1 more and it is marked for repair"],
             "capacity": 1073741824, "used": 4194304, "price": 10000, "price_formatted": "0.01 CRN", "earnings": 120,
             "earnings_formatted": "0.00012 CRN", "penalties": 1000000, "penalties_formatted": "1 CRN",
             "balance": 5, "balance_formatted": "0.000005 CRN", "height": 42, "epoch": 4,
             "held": [\(String(decoding: try JSONEncoder().encode(agreement), as: UTF8.self))]}
            """
        let reply = try JSONDecoder().decode(ProviderStatusResponse.self, from: Data(json.utf8))
        let text = ProviderCommand.Status.text(reply)
        #expect(text.contains("stake:       99 CRN (minimum 100 CRN)"))
        #expect(text.contains("status:      active, online (height 42, epoch 4; last seen on chain in epoch 4)"))
        #expect(text.contains("score:       92.3%"))
        #expect(text.contains("proofs:      12 ok, 1 missed, 0 invalid"))
        #expect(text.contains("4.0 MiB used of 1.0 GiB"))
        #expect(text.contains("cdcdcdcd…") && text.contains("PROOFS OK"))
        #expect(text.contains("  - agreement cdcdcdcd… missed 1 epochs in a row; 1 more and it is marked for repair"))

        var unregistered = reply
        unregistered.registered = false
        #expect(ProviderCommand.Status.text(unregistered).contains("not registered as a provider"))
    }
}
