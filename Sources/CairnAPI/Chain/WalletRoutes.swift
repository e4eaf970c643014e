import CairnChain
import CairnCrypto
import Foundation
import Hummingbird

/// `/api/v0/wallet...`, `/api/v0/validator/...` and `/api/v0/validators`: this peer's own account — the key of its
/// identity — and its stake. The peer signs with its identity; the API token (or the dashboard's session) is
/// what lets a client spend from it.
struct WalletRoutes: Sendable {
    let chain: PeerChain

    static let maxBodyBytes = 4096

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("wallet") { _, _ in
            let params = try chain.params()
            return JSONBody.response(
                WalletResponse(try await chain.account(chain.peer.identity.publicKey), params: params))
        }
        group.get("wallet/history") { request, _ in
            let params = try chain.params()
            let key = chain.peer.identity.publicKey
            let found = try chain.history(of: key, limit: try ChainRoutes.limit(request))
            return JSONBody.response(
                HistoryResponse(
                    address: key.address,
                    transactions: found.map { TransactionResponse($0.0, params: params, at: $0.1) }))
        }
        group.post("wallet/transfer") { request, _ in
            let params = try chain.params()
            let signOnly = try FileRoutes.flag(StrictQuery.value("sign_only", in: request.uri.query), "sign_only")
            let body = try await Self.decode(TransferRequest.self, request)
            let to: PublicKey
            do {
                to = try PublicKey(address: body.to)
            } catch {
                throw APIError(.badRequest, "to: \(error)")
            }
            let amount = try params.amount(body.amount, "amount")
            let fee = try body.fee.map { input throws(APIError) in try params.amount(input, "fee") }
            return JSONBody.response(
                try await chain.signAndSubmit(.transfer(to: to, amount: amount), fee: fee, signOnly: signOnly))
        }
        group.post("wallet/faucet") { _, _ in
            _ = try chain.params()
            return JSONBody.response(try await chain.signAndSubmit(.faucet, fee: nil))
        }
        group.post("validator/bond") { request, _ in
            let params = try chain.params()
            let body = try await Self.decode(AmountRequest.self, request)
            let fee = try body.fee.map { input throws(APIError) in try params.amount(input, "fee") }
            return JSONBody.response(
                try await chain.signAndSubmit(.bond(amount: try params.amount(body.amount, "amount")), fee: fee))
        }
        group.post("validator/unbond") { request, _ in
            let params = try chain.params()
            let body = try await Self.decode(AmountRequest.self, request)
            let fee = try body.fee.map { input throws(APIError) in try params.amount(input, "fee") }
            return JSONBody.response(
                try await chain.signAndSubmit(.unbond(amount: try params.amount(body.amount, "amount")), fee: fee))
        }
        group.get("validators") { _, _ in
            let params = try chain.params()
            return JSONBody.response(ValidatorsResponse(try await chain.validators(), params: params))
        }
    }

    /// A JSON body of `type`; 400 with what is wrong otherwise.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try decode(type, Array(try await request.body.collect(upTo: maxBodyBytes).readableBytesView))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws(APIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError(.badRequest, "the body has no \"\(key.stringValue)\"")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context)
        {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(
                .badRequest,
                "the body is not the JSON this route takes"
                    + (path.isEmpty ? "" : " (at \(path))") + ": \(context.debugDescription)")
        } catch {
            throw APIError(.badRequest, "the body is not the JSON this route takes: \(error)")
        }
    }
}
