import CairnDHT
import CairnNet
import CairnWire
import Foundation
import Hummingbird

/// `/api/v0/id`, `/api/v0/peers` and `/api/v0/dht/...`.
struct DHTRoutes: Sendable {
    let peer: NetworkPeer

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("id") { _, _ in
            JSONBody.response(IDResponse(id: peer.peerID.hex, addresses: peer.listenAddress.map { ["\($0)"] } ?? []))
        }
        group.get("peers") { _, _ in
            let formatter = ISO8601DateFormatter()
            let entries = try await peer.knownPeers().sorted { $0.peer.id < $1.peer.id }
            return JSONBody.response(PeersResponse(peers: entries.map {
                .init(id: $0.peer.id.hex, address: "\($0.peer.address)", lastSeen: formatter.string(from: $0.lastSeen.date))
            }))
        }
        group.get("dht/closest/:key") { _, context in
            let key = try Self.key(context, "key")
            let result = try await peer.query(.closestPeers(key))
            guard case .closestPeers(_, let peers) = result.outcome else { throw APIError(.internalServerError, "unexpected lookup result") }
            return JSONBody.response(ClosestResponse(
                key: key.hex, peers: peers.map(\.id.hex), hops: result.stats.hops,
                ms: (result.stats.finished - result.stats.started).millisecondsDouble))
        }
        group.get("dht/peer/:id") { _, context in
            let id = try Self.key(context, "id")
            if id == peer.peerID {
                return JSONBody.response(IDResponse(id: id.hex, addresses: peer.listenAddress.map { ["\($0)"] } ?? []))
            }
            let result = try await peer.query(.findPeer(id))
            guard case .peerFound(_, let addresses?) = result.outcome, !addresses.isEmpty else {
                throw APIError(.notFound, "peer \(id.hex) was not found in the network")
            }
            return JSONBody.response(IDResponse(id: id.hex, addresses: addresses.map(\.description)))
        }
        group.post("dht/provide/:key") { _, context in
            let key = try Self.key(context, "key")
            let result = try await peer.query(.provide(key))
            guard case .provided(_, let storedAt, _) = result.outcome else { throw APIError(.internalServerError, "unexpected provide result") }
            guard storedAt > 0 else {
                throw APIError(.serviceUnavailable, "no peer accepted the provider record; is this peer connected to the network?")
            }
            return JSONBody.response(ProvideResponse(key: key.hex, storedAt: storedAt))
        }
        group.get("dht/providers/:key") { _, context in
            let key = try Self.key(context, "key")
            let result = try await peer.query(.getProviders(key))
            guard case .providers(_, let records) = result.outcome else { throw APIError(.internalServerError, "unexpected providers result") }
            var seen = Set<PeerID>()
            let providers = records.map(\.provider).filter { seen.insert($0).inserted }
            return JSONBody.response(ProvidersResponse(key: key.hex, providers: providers.map(\.hex)))
        }
    }

    static func key<Context: RequestContext>(_ context: Context, _ name: String) throws -> Key256 {
        let text = context.parameters.get(name) ?? ""
        guard let key = Key256(hex: text) else {
            throw APIError(.badRequest, "'\(text)' is not a key: expected 64 hexadecimal characters")
        }
        return key
    }
}
