import CairnChain
import CairnCrypto
import CairnNet
import CairnPeer

/// The running peer's storage market as the API uses it: reads and submissions go to the machine
/// (`MarketCommand`), which signs with the peer's identity. It decides nothing: every rule is the ledger's, and a
/// refusal comes back with the ledger's own sentence.
struct PeerMarket: Sendable {
    let peer: NetworkPeer

    /// The chain's parameters, when its genesis has a market; 503 otherwise, saying which part is missing.
    func params() throws(APIError) -> ChainParameters {
        guard let params = peer.parameters.chain else {
            throw APIError(.serviceUnavailable, "this network has no chain (its genesis has no chain section)")
        }
        guard params.market != nil else {
            throw APIError(
                .serviceUnavailable, "this network has no storage market (its genesis has no chain.market section)")
        }
        return params
    }

    func perform(_ command: MarketCommand) async throws -> MarketCommandResult {
        _ = try params()
        switch try await peer.perform(.market(command)) {
        case .market(let result): return result
        case .failed(let reason): throw APIError(.serviceUnavailable, reason)
        default: throw APIError(.internalServerError, "the peer answered a market command with something else")
        }
    }

    /// The committed market at the peer's height.
    func snapshot() async throws -> MarketSnapshot {
        guard case .snapshot(let snapshot) = try await perform(.snapshot) else { throw Self.unexpected }
        return snapshot
    }

    /// Signs and submits a market transaction; the refusal becomes 400 (bytes that do not decode), 422 (a
    /// transaction the ledger refuses: funds, an agreement not this peer's, …) or 503 (a full mempool).
    func submit(_ command: MarketCommand) async throws -> SubmitResponse {
        guard case .submitted(let result) = try await perform(command) else { throw Self.unexpected }
        switch result {
        case .success(let hash):
            return SubmitResponse(hash: hash.hex, accepted: true, tx: nil, nonce: nil)
        case .failure(.undecodable(let what)):
            throw APIError(.badRequest, "the transaction does not decode: \(what)")
        case .failure(.refused(.full(let count, let bytes, let fee))):
            throw APIError(
                .serviceUnavailable, "\(MempoolRejection.full(count: count, bytes: bytes, lowestFee: fee))")
        case .failure(.refused(let reason)):
            throw APIError(.unprocessableContent, "the transaction was refused: \(reason)")
        }
    }

    private static var unexpected: APIError {
        APIError(.internalServerError, "the market answered a command with another kind of result")
    }
}
