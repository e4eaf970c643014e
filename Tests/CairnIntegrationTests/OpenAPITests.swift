import Foundation
import Testing

/// Issue 10, item 2: the peer serves its OpenAPI document, and the document names every route the API has
/// (schemathesis, in simulations/check-openapi.py, checks the answers against it).
struct OpenAPITests {
    static let routes: Set<String> = [
        "GET /api/v0/health", "GET /api/v0/openapi.json", "GET /metrics", "GET /api/v0/id", "GET /api/v0/peers",
        "GET /api/v0/status", "GET /api/v0/dht/closest/{key}", "GET /api/v0/dht/peer/{id}",
        "POST /api/v0/dht/provide/{key}", "GET /api/v0/dht/providers/{key}", "GET /api/v0/files",
        "POST /api/v0/files", "GET /api/v0/files/{id}", "HEAD /api/v0/files/{id}", "DELETE /api/v0/files/{id}",
        "GET /api/v0/files/{id}/last-error", "GET /api/v0/files/{id}/check", "POST /api/v0/files/{id}/repair",
        "POST /api/v0/files/{id}/share", "GET /api/v0/files/{id}/cap", "GET /api/v0/events",
        "POST /api/v0/dashboard/login", "POST /api/v0/dashboard/logout", "GET /", "GET /ui/{file}", "GET /login",
        "GET /api/v0/chain/status", "GET /api/v0/chain/blocks", "GET /api/v0/chain/blocks/{ref}",
        "GET /api/v0/chain/transactions/{hash}", "POST /api/v0/chain/transactions", "GET /api/v0/wallet",
        "GET /api/v0/wallet/history", "POST /api/v0/wallet/transfer", "POST /api/v0/wallet/faucet",
        "POST /api/v0/validator/bond", "POST /api/v0/validator/unbond", "GET /api/v0/validators",
        "GET /api/v0/chain/accounts/{address}", "GET /api/v0/provider", "POST /api/v0/provider/register",
        "POST /api/v0/provider/update", "POST /api/v0/provider/withdraw", "GET /api/v0/agreements",
        "POST /api/v0/agreements/{id}/renew", "POST /api/v0/agreements/{id}/end",
    ]

    @Test func thePeerServesADocumentOfEveryRoute() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 1)
        let peer = cluster.peers[0]
        #expect(try RawHTTP.request(peer, "GET", "/api/v0/openapi.json", credential: .none).status == 401)
        let reply = try RawHTTP.request(peer, "GET", "/api/v0/openapi.json")
        #expect(reply.status == 200)
        #expect(reply.header("content-type") == "application/json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(documented == Self.routes)
        let health = try #require(paths["/api/v0/health"]?["get"] as? [String: Any])
        #expect((health["security"] as? [Any])?.isEmpty == true, "health needs no token, and says so")

        // A known path asked with a method it does not take: 405 and the methods it does; an unknown path: 404.
        let trace = try RawHTTP.request(peer, "TRACE", "/api/v0/id")
        #expect(trace.status == 405 && trace.header("allow") == "GET", "\(trace.status) \(trace.text)")
        let delete = try RawHTTP.request(peer, "PUT", "/api/v0/files/\(String(repeating: "ab", count: 32))")
        #expect(delete.status == 405 && delete.header("allow") == "DELETE, GET, HEAD", "\(delete.text)")
        #expect(try RawHTTP.request(peer, "GET", "/api/v0/no-such-route").status == 404)
    }
}
