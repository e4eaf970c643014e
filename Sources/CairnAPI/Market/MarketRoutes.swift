import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer
import Hummingbird

/// `/api/v0/provider...` and `/api/v0/agreements...`: this peer in the storage market (DESIGN.md §9, issue 9
/// item 6) — as a provider (register, update, withdraw, its standing) and as the owner or provider of agreements
/// (list, renew, end). The peer signs with its identity, which is its account.
struct MarketRoutes: Sendable {
    let market: PeerMarket

    /// The most epochs one renewal may add: beyond any real need, and far from overflowing escrow arithmetic.
    static let maxRenewEpochs: UInt64 = 1_000_000

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("provider") { _, _ in
            JSONBody.response(ProviderStatusResponse(try await market.snapshot()))
        }
        group.post("provider/register") { request, _ in
            let params = try market.params()
            let body = try await WalletRoutes.decode(ProviderRequest.self, request)
            guard let capacity = body.capacity, let price = body.price, let stake = body.stake else {
                let missing = [
                    ("capacity", body.capacity == nil), ("price", body.price == nil), ("stake", body.stake == nil),
                ]
                .filter(\.1).map { "\"\($0.0)\"" }.joined(separator: ", ")
                throw APIError(.badRequest, "the body has no \(missing): register takes capacity, price and stake")
            }
            let command = MarketCommand.register(
                capacityBytes: try Self.bytes(capacity), pricePerGiBEpoch: try params.amount(price, "price"),
                stake: try params.amount(stake, "stake"))
            return JSONBody.response(try await market.submit(command))
        }
        group.post("provider/update") { request, _ in
            let params = try market.params()
            let body = try await WalletRoutes.decode(ProviderRequest.self, request)
            let capacity = try body.capacity.map { input throws(APIError) in try Self.bytes(input) }
            let price = try body.price.map { input throws(APIError) in try params.amount(input, "price") }
            let added = try body.stake.map { input throws(APIError) in try params.amount(input, "stake") }
            guard let current = try await market.snapshot().providerStatus?.provider else {
                throw APIError(
                    .conflict, "this peer is not a registered provider: register it first (provider/register)")
            }
            let command = MarketCommand.update(
                capacityBytes: capacity ?? current.capacityBytes, pricePerGiBEpoch: price ?? current.pricePerGiBEpoch,
                addedStake: added ?? Amount(0))
            return JSONBody.response(try await market.submit(command))
        }
        group.post("provider/withdraw") { _, _ in
            guard try await market.snapshot().providerStatus != nil else {
                throw APIError(.conflict, "this peer is not a registered provider: there is nothing to withdraw")
            }
            return JSONBody.response(try await market.submit(.withdraw))
        }
        group.get("agreements") { request, _ in
            let file = try StrictQuery.value("file", in: request.uri.query).map { text throws(APIError) in
                try Self.key(text, "file")
            }
            let snapshot = try await market.snapshot()
            return JSONBody.response(AgreementsResponse(snapshot.state, account: snapshot.local, file: file))
        }
        group.post("agreements/:id/renew") { request, context in
            let id = try Self.key(context.parameters.get("id") ?? "", "agreement ID")
            let snapshot = try await market.snapshot()
            let epochs = try StrictQuery.value("epochs", in: request.uri.query).map { text throws(APIError) in
                try Self.epochs(text)
            }
            try Self.requireOwned(id, in: snapshot)
            let command = MarketCommand.renew(
                agreement: id, epochs: epochs ?? snapshot.parameters.defaultDurationEpochs)
            return JSONBody.response(try await market.submit(command))
        }
        group.post("agreements/:id/end") { _, context in
            let id = try Self.key(context.parameters.get("id") ?? "", "agreement ID")
            try Self.requireOwned(id, in: try await market.snapshot())
            return JSONBody.response(try await market.submit(.end(agreement: id)))
        }
    }

    /// Bytes from a size; 400 when the text is no size.
    static func bytes(_ input: SizeInput) throws(APIError) -> UInt64 {
        switch input {
        case .bytes(let bytes):
            return bytes
        case .text(let text):
            guard let bytes = ByteSize.parse(text) else {
                throw APIError(
                    .badRequest, "capacity '\(text.prefix(40))' is not a size: write e.g. 10GiB, 512MiB or 4096")
            }
            return bytes
        }
    }

    static func key(_ text: String, _ name: String) throws(APIError) -> Key256 {
        guard let key = Key256(hex: text) else {
            throw APIError(.badRequest, "\(name) '\(text.prefix(80))' is not an ID: expected 64 hexadecimal characters")
        }
        return key
    }

    static func epochs(_ text: String) throws(APIError) -> UInt64 {
        guard let epochs = UInt64(text), epochs >= 1, epochs <= maxRenewEpochs else {
            throw APIError(
                .badRequest, "epochs='\(text.prefix(20))' is not a number of epochs from 1 to \(maxRenewEpochs)")
        }
        return epochs
    }

    /// 404 when no agreement has `id`; 403 when this peer is not its owner, the only one who may renew or end it.
    static func requireOwned(_ id: Key256, in snapshot: MarketSnapshot) throws(APIError) {
        guard let agreement = snapshot.state.agreements[id] else {
            throw APIError(.notFound, "no agreement has the ID \(id.hex) at height \(snapshot.height)")
        }
        guard agreement.owner == snapshot.local else {
            throw APIError(
                .forbidden,
                "agreement \(id.hex) is owned by \(agreement.owner.address), not this peer: only its owner may "
                    + "renew or end it")
        }
    }
}
