import CairnChain
import CairnCrypto
import Foundation
import Testing

@testable import CairnAPI

/// The chain routes' parsing and JSON, without a peer: block references, submission bodies, amounts, and a
/// transaction or block as the API shows it.
struct ChainRoutesTests {
    static let hash = String(repeating: "ab", count: 32)

    @Test func blockReferences() throws {
        #expect(try ChainRoutes.blockReference("1") == .height(1))
        #expect(try ChainRoutes.blockReference("0") == .height(0))
        #expect(try ChainRoutes.blockReference("9999999999999999999") == .height(9_999_999_999_999_999_999))
        #expect(try ChainRoutes.blockReference(Self.hash) == .hash(Key256(hex: Self.hash)!))
        // 64 decimal digits are a hash, not a height.
        let digits = String(repeating: "1", count: 64)
        #expect(try ChainRoutes.blockReference(digits) == .hash(Key256(hex: digits)!))
    }

    @Test(arguments: ["", "-1", "1.5", "abc", "99999999999999999999", " 1", "0x10", String(repeating: "g", count: 64)])
    func malformedBlockReferencesAreRefused(text: String) {
        #expect(throws: APIError.self) { try ChainRoutes.blockReference(text) }
    }

    @Test func submissionsAreBareHexOrJSON() throws {
        #expect(try ChainRoutes.submittedBytes(Array("0aFF\n".utf8)) == [0x0a, 0xff])
        #expect(try ChainRoutes.submittedBytes(Array(#" {"tx": "0102"} "#.utf8)) == [1, 2])
        for body in ["", "{}", #"{"tx": 5}"#, "abc", "zz", #"{"tx": "0g"}"#] {
            #expect(throws: APIError.self, "\(body)") { try ChainRoutes.submittedBytes(Array(body.utf8)) }
        }
    }

    @Test func amountsAreTokensOrBaseUnits() throws {
        let params = ChainParameters.localTestnet
        #expect(try params.amount(.tokens("12.5"), "amount") == Amount(12_500_000))
        #expect(try params.amount(.baseUnits(7), "amount") == Amount(7))
        #expect(throws: APIError.self) { try params.amount(.tokens("1.0000001"), "amount") }
        #expect(throws: APIError.self) { try params.amount(.tokens("1,5"), "amount") }
        #expect(params.formatted(Amount(123)) == "0.000123 CRN")
        let decoded = try JSONDecoder().decode(TransferRequest.self, from: Data(#"{"to": "x", "amount": 5}"#.utf8))
        #expect(decoded.amount == .baseUnits(5) && decoded.fee == nil)
        let text = try JSONDecoder().decode(AmountRequest.self, from: Data(#"{"amount": "2.5", "fee": "0.01"}"#.utf8))
        #expect(text.amount == .tokens("2.5") && text.fee == .tokens("0.01"))
        for body in [
            #"{"amount": -1}"#, #"{"amount": 1.5}"#, #"{"amount": null}"#, #"{"amount": [1]}"#, "{}",
            #"{"amount": 1, "fee": null}"#,
        ] {
            #expect(throws: APIError.self, "\(body)") { try WalletRoutes.decode(AmountRequest.self, Array(body.utf8)) }
        }
    }

    @Test func aTransferAsJSON() throws {
        let params = ChainParameters.localTestnet
        let sender = ChainParameters.localTestnetIdentity(0)
        let to = ChainParameters.localTestnetIdentity(1).publicKey
        let tx = SignedTransaction(
            signing: Transaction(
                chainID: ChainID(Key256(hex: Self.hash)!), sender: sender.publicKey, nonce: 3, fee: Amount(1_000),
                kind: .transfer(to: to, amount: Amount(12_500_000))),
            with: sender)
        let json = TransactionResponse(tx, params: params, at: TransactionLocation(height: 9, position: 2))
        #expect(json.hash == tx.hash.hex && json.sender == sender.publicKey.address && json.to == to.address)
        #expect(json.kind == "transfer" && json.amount == 12_500_000 && json.amountFormatted == "12.5 CRN")
        #expect(json.fee == 1_000 && json.feeFormatted == "0.001 CRN" && json.nonce == 3)
        #expect(json.height == 9 && json.position == 2)
        let encoded = String(decoding: try JSONEncoder.cairn.encode(json), as: UTF8.self)
        #expect(encoded.contains(#""amount_formatted":"12.5 CRN""#) && encoded.contains(#""fee_formatted""#))
        #expect(Hex.encode(tx.encoded).count == tx.encoded.count * 2)
        #expect(Hex.decode(Substring(Hex.encode(tx.encoded))) == tx.encoded)

        let faucet = TransactionResponse(
            SignedTransaction(
                signing: Transaction(
                    chainID: tx.transaction.chainID, sender: sender.publicKey, nonce: 0,
                    fee: Amount(1_000), kind: .faucet),
                with: sender),
            params: params)
        #expect(faucet.kind == "faucet" && faucet.amount == nil && faucet.to == nil && faucet.height == nil)
    }
}
