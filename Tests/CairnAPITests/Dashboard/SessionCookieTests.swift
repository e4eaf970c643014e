import CairnAPI
import CairnCrypto
import Foundation
import HTTPTypes
import Testing

struct SessionCookieTests {
    let peerID = Key256(hex: String(repeating: "ab", count: 16) + String(repeating: "cd", count: 16))!
    var cookie: SessionCookie { SessionCookie(peerID: peerID) }

    @Test func theNameCarriesThePeerID() {
        #expect(cookie.name == "cairn_session_abababababababab")
        let other = SessionCookie(peerID: Key256(hex: String(repeating: "12", count: 32))!)
        #expect(other.name != cookie.name, "two peers on one host keep two cookies")
    }

    @Test func theCookieIsHttpOnlyStrictAndScopedToTheSite() {
        let line = cookie.setCookie(value: "secret", maxAgeSeconds: 3600)
        let attributes = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(attributes.first == "cairn_session_abababababababab=secret")
        #expect(attributes.contains("HttpOnly"))
        #expect(attributes.contains("SameSite=Strict"))
        #expect(attributes.contains("Path=/"))
        #expect(attributes.contains("Max-Age=3600"))
        #expect(!attributes.contains { $0.lowercased().hasPrefix("domain") }, "no Domain: only this host")
    }

    @Test func logOutExpiresTheCookie() {
        #expect(cookie.expired.hasPrefix("cairn_session_abababababababab=; "))
        #expect(cookie.expired.contains("Max-Age=0"))
    }

    @Test(arguments: [
        ("cairn_session_abababababababab=v1", "v1"),
        ("a=1; cairn_session_abababababababab=v2; b=2", "v2"),
        ("cairn_session_1212121212121212=x;cairn_session_abababababababab=v3", "v3"),
    ])
    func readsItsOwnValue(header: String, value: String) {
        #expect(cookie.value(in: header) == value)
    }

    @Test func ignoresOthersAndEmptyValues() {
        #expect(cookie.value(in: nil) == nil)
        #expect(cookie.value(in: "") == nil)
        #expect(cookie.value(in: "cairn_session_1212121212121212=x") == nil)
        #expect(cookie.value(in: "xcairn_session_abababababababab=v") == nil)
        #expect(cookie.value(in: "cairn_session_abababababababab=") == nil)
    }
}

/// The access policy with a dashboard session instead of the token.
struct SessionAccessTests {
    let policy = APIAccessPolicy(token: APIToken.generate(), bindHost: "127.0.0.1", port: 5002)

    func status(
        _ method: HTTPRequest.Method, _ path: String, origin: String?, session: Bool = true,
        host: String = "127.0.0.1:5002"
    ) -> Int? {
        let decision = policy.decide(
            method: method, path: path, host: host, origin: origin, authorization: nil, session: session)
        if case .refuse(let refusal) = decision { return refusal.status.code }
        return nil
    }

    @Test func aSessionReadsAndChangesStateFromItsOwnPage() {
        #expect(status(.get, "/api/v0/files", origin: nil) == nil)
        #expect(status(.post, "/api/v0/files", origin: "http://127.0.0.1:5002") == nil)
        #expect(status(.delete, "/api/v0/files/x", origin: "http://localhost:5002") == nil)
    }

    @Test func aSessionWithAForeignOrNoOriginChangesNothing() {
        #expect(status(.post, "/api/v0/files/x/share", origin: "http://evil.example") == 403)
        #expect(status(.post, "/api/v0/files/x/share", origin: "http://127.0.0.1:5003") == 403)
        #expect(status(.post, "/api/v0/files/x/share", origin: "null") == 403)
        #expect(status(.post, "/api/v0/files/x/share", origin: nil) == 403, "a cookie alone is not enough")
        #expect(status(.delete, "/api/v0/files/x", origin: nil) == 403)
    }

    @Test func aSessionCannotMintLoginLinks() {
        #expect(status(.post, "/api/v0/dashboard/login", origin: "http://127.0.0.1:5002") == 401)
    }

    @Test func aSessionStillNeedsTheRightHost() {
        #expect(status(.get, "/api/v0/files", origin: nil, host: "evil.example:5002") == 421)
    }

    @Test func withoutASessionTheAPIIsClosedButThePageIsNot() {
        #expect(status(.get, "/api/v0/files", origin: nil, session: false) == 401)
        #expect(status(.get, "/api/v0/events", origin: nil, session: false) == 401)
        for path in ["/", "/login", "/ui/app.js", "/api/v0/health"] {
            #expect(status(.get, path, origin: nil, session: false) == nil, "\(path)")
        }
        #expect(status(.get, "/ui/../api/v0/files", origin: nil, session: false) == 401)
    }
}
