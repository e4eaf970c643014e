import Foundation
import Testing

/// Issue 10, item 3, through real peers on loopback: the token, the Host check (DNS rebinding) and the Origin
/// check (CSRF), as a client without the token and a foreign web page would try them.
@Suite(.serialized)
struct AccessTests {
    /// One request per route the API serves, with the path parameters filled in.
    static func routes(id: String, peer: String) -> [(String, String)] {
        let key = String(repeating: "ab", count: 32)
        return [
            ("GET", "/api/v0/id"), ("GET", "/api/v0/peers"), ("GET", "/api/v0/status"),
            ("GET", "/api/v0/dht/closest/\(key)"), ("GET", "/api/v0/dht/peer/\(peer)"),
            ("POST", "/api/v0/dht/provide/\(key)"), ("GET", "/api/v0/dht/providers/\(key)"),
            ("GET", "/api/v0/files"), ("POST", "/api/v0/files?name=x"), ("GET", "/api/v0/files/\(id)"),
            ("HEAD", "/api/v0/files/\(id)"), ("GET", "/api/v0/files/\(id)/last-error"),
            ("GET", "/api/v0/files/\(id)/check"), ("POST", "/api/v0/files/\(id)/repair"),
            ("DELETE", "/api/v0/files/\(id)"), ("POST", "/api/v0/files/\(id)/share?to=\(peer)"),
            ("GET", "/api/v0/files/\(id)/cap"), ("GET", "/api/v0/events"), ("POST", "/api/v0/dashboard/login"),
            ("POST", "/api/v0/dashboard/logout"),
            ("GET", "/api/v0/no-such-route"),
        ]
    }

    @Test func everyRouteButHealthNeedsTheTokenAndAForeignHostOrOriginIsRefused() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 3)
        let owner = cluster.peers[0]
        let stranger = cluster.peers[2]

        // `cairn init` wrote the token readable by its owner only.
        let mode = try FileManager.default.attributesOfItem(atPath: owner.data + "/api-token")[.posixPermissions]
        #expect(mode as? Int == 0o600)

        let input = cluster.directory + "/secret.txt"
        try Data("for the owner's eyes only".utf8).write(to: URL(fileURLWithPath: input))
        let id = try #require(try cluster.json(0, ["put", input, "--k", "1", "--n", "2"])["id"] as? String)

        for (method, path) in Self.routes(id: id, peer: stranger.id) {
            let bare = try RawHTTP.request(owner, method, path, credential: .none)
            #expect(bare.status == 401, "\(method) \(path) without the token: \(bare.status) \(bare.text)")
            #expect(bare.header("www-authenticate") == "Bearer realm=\"cairn\"")
            if method != "HEAD" { #expect(bare.text.contains("\"error\""), "\(bare.text)") }
            let wrong = try RawHTTP.request(owner, method, path, credential: .token(String(repeating: "0", count: 64)))
            #expect(wrong.status == 401, "\(method) \(path) with a wrong token: \(wrong.status)")
        }
        let health = try RawHTTP.request(owner, "GET", "/api/v0/health", credential: .none)
        #expect(health.status == 200 && health.text.contains("\"ok\""), "\(health.status) \(health.text)")

        // DNS rebinding: the right token does not help a request addressed to another name.
        let rebound = try RawHTTP.request(owner, "GET", "/api/v0/files", headers: ["Host": "evil.example"])
        #expect(rebound.status == 421, "\(rebound.status) \(rebound.text)")
        #expect(rebound.text.contains("evil.example") && !rebound.text.contains("secret.txt"))
        #expect(
            try RawHTTP.request(owner, "GET", "/api/v0/health", headers: ["Host": "evil.example:\(owner.apiPort)"])
                .status == 421)
        #expect(
            try RawHTTP.request(owner, "GET", "/api/v0/id", headers: ["Host": "localhost:\(owner.apiPort)"])
                .status == 200)

        // CSRF: a page on another origin posts a share through the owner's browser; it is refused, nothing is
        // shared, and the stranger still cannot read the file.
        let share = "/api/v0/files/\(id)/share?to=\(stranger.id)"
        let forged = try RawHTTP.request(owner, "POST", share, headers: ["Origin": "http://evil.example"])
        #expect(forged.status == 403, "\(forged.status) \(forged.text)")
        #expect(forged.text.contains("Origin"), "\(forged.text)")
        #expect(forged.header("access-control-allow-origin") == nil)
        let denied = cluster.failure(2, ["get", id, "-o", cluster.directory + "/stolen"])
        #expect(denied.contains("may not read"), "\(denied)")
        #expect(!FileManager.default.fileExists(atPath: cluster.directory + "/stolen"))

        // The peer's own origin, and clients that send none, may change state.
        let own = try RawHTTP.request(owner, "POST", share, headers: ["Origin": "http://127.0.0.1:\(owner.apiPort)"])
        #expect(own.status == 200, "\(own.status) \(own.text)")
        try cluster.cli(2, ["get", id, "-o", cluster.directory + "/shared"])
        #expect(
            try String(contentsOfFile: cluster.directory + "/shared", encoding: .utf8) == "for the owner's eyes only")
    }

    @Test func theCLIReadsTheTokenFromTheDataDirectoryOrTheEnvironment() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 1)
        let peer = cluster.peers[0]
        let anotherDirectory = cluster.directory + "/other"
        try runCLI(["init", "--data", anotherDirectory])

        #expect(try runCLI(["id", "--api", peer.api, "--data", peer.data]).contains(peer.id))
        #expect(try runCLI(["id", "--api", peer.api], environment: ["CAIRN_API_TOKEN": peer.token]).contains(peer.id))
        let wrong = cliFailure(["id", "--api", peer.api, "--data", anotherDirectory])
        #expect(wrong.contains("token is wrong"), "\(wrong)")
        let missing = cliFailure(["id", "--api", peer.api, "--data", cluster.directory + "/nothing"])
        #expect(missing.contains("api-token"), "\(missing)")
    }

    @Test func aPeerWhoseDataDirectoryHasNoTokenMakesOneAtStart() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        try cluster.start(count: 1)
        #expect(cluster.terminate(0) == 0)
        let path = cluster.peers[0].data + "/api-token"
        try FileManager.default.removeItem(atPath: path)
        try cluster.launch(0, bootstrap: nil)
        try cluster.waitForAPI(0)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]
        #expect(mode as? Int == 0o600)
        #expect(try cluster.json(0, ["id"])["id"] as? String == cluster.peers[0].id)
    }
}

func cliFailure(_ arguments: [String]) -> String {
    do {
        try runCLI(arguments)
        return "(succeeded)"
    } catch let failure as CLIFailure {
        return failure.stderr
    } catch {
        return "\(error)"
    }
}
