import CairnChain
import CairnCrypto
import Foundation
import Hummingbird

/// `/api/v0/chain/...`: the chain's status, committed blocks and transactions, and submission of signed
/// transactions (DESIGN.md §6).
struct ChainRoutes: Sendable {
    let chain: PeerChain

    /// More than the largest signed transaction in hex, with room for JSON around it.
    static let maxSubmissionBytes = SignedTransaction.maxEncodedBytes * 2 + 1024

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("chain/status") { _, _ in
            let params = try chain.params()
            return JSONBody.response(ChainStatusResponse(try await chain.status(), params: params))
        }
        group.get("chain/blocks") { request, _ in
            let limit = try Self.limit(request)
            guard let tip = try chain.store().tip() else { return JSONBody.response(BlockListResponse(blocks: [])) }
            var blocks: [BlockListResponse.Summary] = []
            var height = tip.height
            while height >= 1, blocks.count < limit, let found = try chain.block(at: height) {
                let (block, commit) = found
                blocks.append(
                    .init(
                        height: height, hash: block.hash.hex, timeMs: block.header.timeMs,
                        proposer: block.header.proposer.address, transactions: block.transactions.count,
                        signers: commit.signatures.count))
                height -= 1
            }
            return JSONBody.response(BlockListResponse(blocks: blocks))
        }
        group.get("chain/blocks/:ref") { _, context in
            let params = try chain.params()
            let block: Block
            let commit: Commit
            switch try Self.blockReference(context.parameters.get("ref") ?? "") {
            case .height(let height):
                guard height >= 1 else {
                    throw APIError(.notFound, "height 0 is the genesis state, which has no block; blocks start at 1")
                }
                guard let found = try chain.block(at: height) else {
                    let tip = try chain.store().tip()?.height ?? 0
                    throw APIError(.notFound, "no block at height \(height): this peer's chain ends at height \(tip)")
                }
                (block, commit) = found
            case .hash(let hash):
                guard let found = try chain.block(hash: hash) else {
                    throw APIError(.notFound, "no committed block has the hash \(hash.hex) on this peer")
                }
                (block, commit) = found
            }
            return JSONBody.response(BlockResponse(block, commit: commit, params: params))
        }
        group.get("chain/accounts/:address") { _, context in
            let params = try chain.params()
            let text = context.parameters.get("address") ?? ""
            let key: PublicKey
            do {
                key = try PublicKey(address: text)
            } catch {
                throw APIError(.badRequest, "\(error)")
            }
            return JSONBody.response(WalletResponse(try await chain.account(key), params: params))
        }
        group.get("chain/transactions/:hash") { _, context in
            let params = try chain.params()
            let text = context.parameters.get("hash") ?? ""
            guard let hash = Key256(hex: text) else {
                throw APIError(
                    .badRequest, "'\(text.prefix(80))' is not a transaction hash: expected 64 hexadecimal characters")
            }
            if let found = try chain.transaction(hash) {
                return JSONBody.response(TransactionResponse(found.0, params: params, at: found.1))
            }
            if try await chain.pending(hash) != nil {
                throw APIError(
                    .notFound, "transaction \(hash.hex) is not committed yet: it is pending in this peer's mempool")
            }
            throw APIError(
                .notFound, "no committed transaction has the hash \(hash.hex), and this peer's mempool does not hold it"
            )
        }
        group.post("chain/transactions") { request, _ in
            _ = try chain.params()
            let body = try await request.body.collect(upTo: Self.maxSubmissionBytes)
            let bytes = try Self.submittedBytes(Array(body.readableBytesView))
            let hash = try await chain.submit(bytes)
            return JSONBody.response(SubmitResponse(hash: hash.hex, accepted: true, tx: nil, nonce: nil))
        }
    }

    enum BlockReference: Equatable {
        case height(UInt64)
        case hash(Key256)
    }

    /// A block's height (decimal) or hash (64 hex); 400 for anything else.
    static func blockReference(_ text: String) throws(APIError) -> BlockReference {
        if text.utf8.count == 64, let hash = Key256(hex: text) { return .hash(hash) }
        if !text.isEmpty, text.utf8.count <= 20, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let height = UInt64(text)
        {
            return .height(height)
        }
        throw APIError(
            .badRequest,
            "'\(text.prefix(80))' is not a block reference: give a height (a decimal number) or a "
                + "block hash (64 hexadecimal characters)")
    }

    /// A submission's transaction: the body is the signed transaction in hex, or `{"tx": HEX}`.
    static func submittedBytes(_ body: [UInt8]) throws(APIError) -> [UInt8] {
        var text = Substring(String(decoding: body, as: UTF8.self))
        text = text.drop(while: \.isWhitespace)
        while text.last?.isWhitespace == true { text = text.dropLast() }
        if text.first == "{" {
            guard let request = try? JSONDecoder().decode(SubmitRequest.self, from: Data(text.utf8)) else {
                throw APIError(
                    .badRequest,
                    "the body is not {\"tx\": HEX}: a JSON object whose tx is the signed "
                        + "transaction in hexadecimal")
            }
            text = Substring(request.tx)
        }
        guard !text.isEmpty else {
            throw APIError(
                .badRequest, "the body is empty: send the signed transaction in hexadecimal, or {\"tx\": HEX}")
        }
        guard let bytes = Hex.decode(text) else {
            throw APIError(.badRequest, "the transaction is not hexadecimal: an even number of the digits 0-9, a-f")
        }
        return bytes
    }

    /// `?limit=`: 1 to 1000, 20 when absent.
    static func limit(_ request: Request) throws(APIError) -> Int {
        guard let text = try StrictQuery.value("limit", in: request.uri.query) else { return 20 }
        guard let value = Int(text), (1...1000).contains(value) else {
            throw APIError(.badRequest, "limit='\(text.prefix(20))' is not a number from 1 to 1000")
        }
        return value
    }
}
