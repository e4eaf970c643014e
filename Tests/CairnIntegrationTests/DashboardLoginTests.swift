import Foundation
import Testing

/// Issue 10, item 3, the dashboard's half, through a real peer: the page is public, the one-time link logs in
/// once, the cookie it sets opens the API but changes nothing without the page's own Origin.
struct DashboardLoginTests {
    @Test func theLoginLinkWorksOnceAndItsCookieOpensTheAPI() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 1)
        let peer = cluster.peers[0]

        let page = try RawHTTP.request(peer, "GET", "/", credential: .none)
        #expect(page.status == 200 && page.header("content-type") == "text/html; charset=utf-8")
        #expect(page.text.contains("/ui/app.js") && page.header("content-security-policy") != nil)
        #expect(try RawHTTP.request(peer, "GET", "/ui/app.js", credential: .none).status == 200)
        #expect(try RawHTTP.request(peer, "GET", "/ui/nothing.js", credential: .none).status == 404)

        // The link, as `cairn dashboard` prints it, is asked for with the token.
        let printed = try cluster.json(0, ["dashboard"])
        let url = try #require(printed["url"] as? String)
        #expect(url.hasPrefix("http://127.0.0.1:\(peer.apiPort)/login?t="))
        let path = String(url.dropFirst("http://127.0.0.1:\(peer.apiPort)".count))

        let login = try RawHTTP.request(peer, "GET", path, credential: .none)
        #expect(login.status == 303 && login.header("location") == "/", "\(login.status) \(login.text)")
        let setCookie = try #require(login.header("set-cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
        let cookie = String(setCookie.prefix { $0 != ";" })
        #expect(cookie.hasPrefix("cairn_session_\(peer.id.prefix(16))="))

        let again = try RawHTTP.request(peer, "GET", path, credential: .none)
        #expect(again.status == 401 && again.header("set-cookie") == nil, "a link logs in once: \(again.status)")

        let listed = try RawHTTP.request(peer, "GET", "/api/v0/files", headers: ["Cookie": cookie], credential: .none)
        #expect(listed.status == 200, "\(listed.status) \(listed.text)")
        let forged = try RawHTTP.request(
            peer, "GET", "/api/v0/files", headers: ["Cookie": cookie + "x"],
            credential: .none)
        #expect(forged.status == 401)

        // Changing state with the cookie: only from the page's own origin.
        let key = "/api/v0/dht/provide/\(String(repeating: "ab", count: 32))"
        let own = ["Cookie": cookie, "Origin": "http://127.0.0.1:\(peer.apiPort)"]
        #expect(try RawHTTP.request(peer, "POST", key, headers: own, credential: .none).status != 403)
        for headers in [["Cookie": cookie], ["Cookie": cookie, "Origin": "http://evil.example"]] {
            let refused = try RawHTTP.request(peer, "POST", key, headers: headers, credential: .none)
            #expect(refused.status == 403, "\(headers): \(refused.status) \(refused.text)")
        }
        // A session cannot make itself new login links.
        let minted = try RawHTTP.request(peer, "POST", "/api/v0/dashboard/login", headers: own, credential: .none)
        #expect(minted.status == 401, "\(minted.status)")

        // Logging out ends the session: the cookie opens nothing after.
        let out = try RawHTTP.request(peer, "POST", "/api/v0/dashboard/logout", headers: own, credential: .none)
        #expect(out.status == 200 && out.header("set-cookie")?.contains("Max-Age=0") == true, "\(out.status)")
        let after = try RawHTTP.request(peer, "GET", "/api/v0/files", headers: ["Cookie": cookie], credential: .none)
        #expect(after.status == 401)
    }
}

/// `cairn run --dashboard HOST:PORT`: the page and the API on a second address, with the same sessions.
struct DashboardAddressTests {
    @Test func theDashboardAddressServesThePageAndTakesTheSameLinks() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        let port = try freePort()
        try cluster.start(count: 1, extraArguments: ["--dashboard", "127.0.0.1:\(port)"])
        let peer = cluster.peers[0]

        let page = try RawHTTP.request(port: port, "GET", "/", token: nil)
        #expect(page.status == 200 && page.text.contains("/ui/app.js"), "\(page.status)")

        let printed = try cluster.json(0, ["dashboard"])
        let urls = try #require(printed["urls"] as? [String])
        #expect(urls.count == 2 && urls[0].hasPrefix("http://127.0.0.1:\(port)/login?t="), "\(urls)")
        #expect(urls[1].hasPrefix("http://127.0.0.1:\(peer.apiPort)/login?t="), "\(urls)")
        let path = String(urls[0].dropFirst("http://127.0.0.1:\(port)".count))
        let login = try RawHTTP.request(port: port, "GET", path, token: nil)
        let cookie = try #require(login.header("set-cookie")).prefix { $0 != ";" }
        // One session for both addresses: the peer is one.
        for onPort in [port, peer.apiPort] {
            let listed = try RawHTTP.request(
                port: onPort, "GET", "/api/v0/files", headers: ["Cookie": String(cookie)],
                token: nil)
            #expect(listed.status == 200, "\(onPort): \(listed.status)")
        }
        // Each address answers to its own name only.
        let rebound = try RawHTTP.request(port: port, "GET", "/", headers: ["Host": "evil.example:\(port)"], token: nil)
        #expect(rebound.status == 421)
    }
}
