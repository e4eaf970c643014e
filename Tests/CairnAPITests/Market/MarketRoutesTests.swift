import CairnChain
import CairnCrypto
import Foundation
import Testing

@testable import CairnAPI
@testable import CairnMarket
@testable import CairnPeer

/// The market routes' parsing and JSON, without a peer: sizes, IDs, epochs, request bodies, and agreements and
/// a provider's standing as the API shows them.
struct MarketRoutesTests {
    static let me = Identity(seed: [UInt8](repeating: 7, count: 32))!.publicKey
    static let other = Identity(seed: [UInt8](repeating: 8, count: 32))!.publicKey

    static func agreement(_ n: UInt8, owner: PublicKey, provider: PublicKey, file: UInt8 = 0xee) -> StorageAgreement {
        StorageAgreement(
            id: Key256(bytes: [UInt8](repeating: n, count: 32))!, owner: owner, provider: provider,
            fileID: Key256(bytes: [UInt8](repeating: file, count: 32))!, slot: UInt16(n), slotRoot: .zero,
            segmentCount: 1, shardLength: 1 << 20, lastShardLength: 1 << 20, startEpoch: 1, endEpoch: 101,
            pricePerEpoch: Amount(10), maxPricePerGiBEpoch: Amount(10_000), escrow: Amount(900), proofsOK: 9,
            proofsMissed: 1, consecutiveMisses: 1, paidTotal: Amount(90), penaltiesTotal: Amount(1_000_000),
            state: .active)
    }

    static var state: MarketState {
        let provider = MarketProvider(
            capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000), stake: Amount(99_000_000),
            address: "127.0.0.1:4001", usedBytes: 1 << 20, openAgreements: 1, proofsOK: 9, proofsMissed: 1)
        let agreements = [
            agreement(1, owner: other, provider: me), agreement(2, owner: me, provider: other, file: 0xdd),
            agreement(3, owner: other, provider: other), agreement(4, owner: other, provider: other, file: 0xdd),
        ]
        return MarketState(
            epoch: 10, epochSeed: .zero, providers: [me: provider],
            agreements: Dictionary(uniqueKeysWithValues: agreements.map { ($0.id, $0) }))
    }

    static func snapshot(_ state: MarketState) -> MarketSnapshot {
        MarketSnapshot(
            height: 105, parameters: .localNetwork, state: state, local: me, balance: Amount(5_000_000),
            tokenSymbol: "CRN", decimals: 6)
    }

    @Test func agreementsAreThisPeersAsOwnerOrProviderInExactlyTheDocumentedShape() throws {
        let reply = AgreementsResponse(Self.state, account: Self.me, file: nil)
        #expect(reply.agreements.map(\.slot) == [1, 2])
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(reply)) as? [String: [[String: Any]]])
        let first = try #require(object["agreements"]?.first)
        #expect(
            first.keys.sorted()
                == ["escrow", "file", "id", "owner", "paid", "proofs_missed", "proofs_ok", "provider", "slot", "state"])
        #expect(first["id"] as? String == String(repeating: "01", count: 32))
        #expect(first["provider"] as? String == Self.me.address && first["owner"] as? String == Self.other.address)
        #expect(first["paid"] as? Int == 90 && first["escrow"] as? Int == 900 && first["state"] as? String == "active")
        #expect(
            AgreementsResponse(Self.state, account: Self.me, file: Key256(bytes: [UInt8](repeating: 0xdd, count: 32)))
                .agreements.map(\.slot) == [2, 4], "every agreement of the file, whoever its parties")
        #expect(AgreementsResponse(MarketState.genesis, account: Self.me, file: nil).agreements.isEmpty)
    }

    @Test func providerStatusHasTheRecordScoreAndWarnings() throws {
        let reply = ProviderStatusResponse(Self.snapshot(Self.state))
        #expect(reply.registered && reply.status == "active")
        #expect(reply.stake == 99_000_000 && reply.stakeFormatted == "99 CRN")
        #expect(reply.score == 0.9 && reply.proofsOK == 9 && reply.proofsMissed == 1 && reply.agreements == 1)
        #expect(reply.earnings == 90 && reply.held.map(\.slot) == [1])
        #expect(reply.warnings.contains { $0.contains("below the minimum") }, "\(reply.warnings)")
        #expect(reply.warnings.contains { $0.contains("missed 1 epochs in a row") }, "\(reply.warnings)")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(reply)) as? [String: Any])
        for key in ["registered", "stake", "score", "agreements", "proofs_ok", "proofs_missed", "warnings"] {
            #expect(object[key] != nil, "\(key)")
        }

        let nobody = ProviderStatusResponse(Self.snapshot(.genesis))
        #expect(!nobody.registered && nobody.status == "unregistered" && nobody.stake == 0 && nobody.warnings.isEmpty)
        #expect(nobody.minStakeFormatted == "100 CRN")
    }

    @Test func sizesAreBytesOrUnits() throws {
        #expect(try MarketRoutes.bytes(.bytes(4096)) == 4096)
        #expect(try MarketRoutes.bytes(.text("1GiB")) == 1 << 30)
        #expect(try MarketRoutes.bytes(.text("500MB")) == 500_000_000)
        for text in ["", "lots", "1 parsec", "-1GiB", "1e3"] {
            #expect(throws: APIError.self, "\(text)") { try MarketRoutes.bytes(.text(text)) }
        }
    }

    @Test func epochsAndIDsAreChecked() throws {
        #expect(try MarketRoutes.epochs("1") == 1)
        #expect(try MarketRoutes.epochs("1000000") == 1_000_000)
        for text in ["0", "-1", "1.5", "", "1000001", "99999999999999999999999"] {
            #expect(throws: APIError.self, "\(text)") { try MarketRoutes.epochs(text) }
        }
        #expect(throws: APIError.self) { try MarketRoutes.key("abc", "file") }
        #expect(
            try MarketRoutes.key(String(repeating: "0A", count: 32), "file")
                == Key256(bytes: [UInt8](repeating: 10, count: 32)))
    }

    @Test func onlyTheOwnerMayRenewOrEnd() throws {
        let snapshot = Self.snapshot(Self.state)
        #expect(throws: Never.self) {
            try MarketRoutes.requireOwned(Key256(bytes: [UInt8](repeating: 2, count: 32))!, in: snapshot)
        }
        #expect(throws: APIError.self) {
            try MarketRoutes.requireOwned(Key256(bytes: [UInt8](repeating: 1, count: 32))!, in: snapshot)
        }
        #expect(throws: APIError.self) {
            try MarketRoutes.requireOwned(Key256(bytes: [UInt8](repeating: 9, count: 32))!, in: snapshot)
        }
    }

    @Test func providerBodiesRefuseNull() throws {
        let body = try WalletRoutes.decode(
            ProviderRequest.self, Array(#"{"capacity": "1GiB", "price": 10, "stake": "100"}"#.utf8))
        #expect(body.capacity == .text("1GiB") && body.price == .baseUnits(10) && body.stake == .tokens("100"))
        #expect(try WalletRoutes.decode(ProviderRequest.self, Array("{}".utf8)).capacity == nil)
        for text in [#"{"capacity": null}"#, #"{"price": true}"#, #"{"capacity": -1}"#, "[]", "nonsense"] {
            #expect(throws: APIError.self, "\(text)") {
                try WalletRoutes.decode(ProviderRequest.self, Array(text.utf8))
            }
        }
    }
}
