import CairnAPI
import HTTPTypes
import Testing

struct APIAccessPolicyTests {
    let token = APIToken.generate()
    var policy: APIAccessPolicy {
        APIAccessPolicy(
            token: token, bindHost: "127.0.0.1", port: 5002,
            extraHosts: [HostAuthority(parsing: "cairn.example")!, HostAuthority(parsing: "box.lan:8080")!])
    }

    func decide(
        _ method: HTTPRequest.Method = .get, _ path: String = "/api/v0/files", host: String? = "127.0.0.1:5002",
        origin: String? = nil, authorization: String?? = .none
    ) -> APIAccessPolicy.Decision {
        let authorization = authorization ?? "Bearer \(token.value)"
        return policy.decide(method: method, path: path, host: host, origin: origin, authorization: authorization)
    }

    func status(_ decision: APIAccessPolicy.Decision) -> Int? {
        if case .refuse(let refusal) = decision { return refusal.status.code }
        return nil
    }

    @Test func theRightTokenOnTheOwnAddressIsAllowed() {
        #expect(decide() == .allow)
        #expect(decide(.post, "/api/v0/files/x/share") == .allow)
        #expect(decide(authorization: "bearer  \(token.value)") == .allow, "the scheme is case-insensitive")
    }

    @Test func noTokenAWrongOneOrAnotherSchemeIs401() {
        #expect(status(decide(authorization: .some(nil))) == 401)
        #expect(status(decide(authorization: "Bearer \(APIToken.generate().value)")) == 401)
        #expect(status(decide(authorization: "Bearer \(token.value)x")) == 401)
        #expect(status(decide(authorization: "Bearer \(token.value.dropLast())")) == 401)
        #expect(status(decide(authorization: "Basic \(token.value)")) == 401)
        #expect(status(decide(authorization: "Bearer")) == 401)
        guard case .refuse(let refusal) = decide(authorization: .some(nil)) else { return }
        #expect(refusal.challenge)
        #expect(refusal.message.contains("Authorization: Bearer"))
    }

    @Test func theHealthCheckNeedsNoTokenButTheRightHost() {
        #expect(decide(.get, "/api/v0/health", authorization: .some(nil)) == .allow)
        #expect(status(decide(.get, "/api/v0/health", host: "evil.example:5002", authorization: .some(nil))) == 421)
    }

    @Test(arguments: [
        "127.0.0.1:5002", "localhost:5002", "LOCALHOST:5002", "[::1]:5002", "cairn.example", "cairn.example:5002",
        "box.lan:8080",
    ])
    func hostsTheAPIAnswersTo(host: String) {
        #expect(decide(host: host) == .allow)
    }

    @Test(arguments: [
        "evil.example", "evil.example:5002", "127.0.0.1:5003", "localhost", "127.0.0.2:5002", "[::1]", "box.lan",
        "box.lan:5002", "cairn.example:9999", "127.0.0.1:5002@evil.example", "", "127.0.0.1:", "[::1:5002",
    ])
    func hostsRefusedAsRebinding(host: String) {
        #expect(status(decide(host: host)) == 421)
    }

    @Test func aMissingHostIsRefused() {
        #expect(status(decide(host: nil)) == 421)
    }

    @Test func aForeignOriginMayReadButNotChangeState() {
        #expect(status(decide(.post, "/api/v0/files/x/share", origin: "http://evil.example")) == 403)
        #expect(status(decide(.delete, "/api/v0/files/x", origin: "http://evil.example:5002")) == 403)
        #expect(status(decide(.put, "/api/v0/x", origin: "null")) == 403)
        #expect(status(decide(.post, "/api/v0/x", origin: "http://127.0.0.1:5003")) == 403)
        #expect(status(decide(.post, "/api/v0/x", origin: "file://")) == 403)
        // Reads are left to the token and to the browser's same-origin policy, which no CORS header relaxes.
        #expect(decide(.get, origin: "http://evil.example") == .allow)
        // Even without the token, a foreign origin is told no before anything else.
        #expect(status(decide(.post, "/api/v0/files", origin: "http://evil.example", authorization: .some(nil))) == 403)
    }

    @Test func theOwnOriginAndNoOriginMayChangeState() {
        #expect(decide(.post, "/api/v0/files", origin: "http://127.0.0.1:5002") == .allow)
        #expect(decide(.post, "/api/v0/files", origin: "http://localhost:5002") == .allow)
        #expect(decide(.post, "/api/v0/files", origin: "https://cairn.example") == .allow)
        #expect(decide(.post, "/api/v0/files") == .allow)
    }
}

struct HostAuthorityTests {
    @Test func parsesHostsAndPorts() {
        #expect(HostAuthority(parsing: "Example.COM:80") == HostAuthority(host: "example.com", port: 80))
        #expect(HostAuthority(parsing: "[::1]:5002") == HostAuthority(host: "::1", port: 5002))
        #expect(HostAuthority(parsing: "[::1]") == HostAuthority(host: "::1", port: nil))
        #expect(HostAuthority(parsing: "[::1]:5002")?.description == "[::1]:5002")
        for bad in ["", ":80", "a:0", "a:65536", "a:b", "a:80:90", "::1", "[::1]x", "a b", "u@a", "a/b", "[1.2]"] {
            #expect(HostAuthority(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func loopbackAddresses() {
        #expect(HostAuthority.isLoopback("127.0.0.1") && HostAuthority.isLoopback("127.8.0.1"))
        #expect(HostAuthority.isLoopback("::1") && HostAuthority.isLoopback("localhost"))
        #expect(!HostAuthority.isLoopback("0.0.0.0") && !HostAuthority.isLoopback("192.168.1.2"))
    }
}
