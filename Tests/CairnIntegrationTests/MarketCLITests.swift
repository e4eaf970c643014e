import Foundation
import Testing

/// Issue 9 item 6, through real processes: a 3-peer `cairn sim cluster` on the local network, whose genesis has
/// the storage market. Peer 1 asks the faucet, registers as a provider through the CLI, and reads its standing
/// and its (no) agreements; a malformed request and an unknown agreement are refused in words.
@Suite(.serialized)
struct MarketCLITests {
    @Test func aPeerRegistersAsAProviderThroughTheCLI() throws {
        let directory = NSTemporaryDirectory() + "cairn-market-cli-" + UUID().uuidString.prefix(8)
        defer {
            _ = try? runCLI(["sim", "cluster", "--stop", "--dir", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        let cluster = ChainCLITests()
        // Registered by hand here: the automatic registration of cluster peers is `MarketAgentTests`'s subject.
        let peers = try cluster.startCluster(3, in: directory, extraArguments: ["--no-auto-register"])
        try #require(peers.count == 3)
        let peer = peers[1]

        let before = try cluster.json(peer, ["provider", "status"])
        #expect(before["registered"] as? Bool == false, "\(before)")
        #expect(try cluster.json(peer, ["agreements"])["agreements"] as? [Any] != nil)

        try cluster.cli(peer, ["wallet", "faucet"])
        try waitUntil(timeout: 15) { try cluster.balance(peer) >= 1_999_000_000 }
        let submitted = try cluster.cli(
            peer, ["provider", "register", "--capacity", "1GiB", "--price", "0.01", "--stake", "100"])
        #expect(submitted.contains("accepted; committed in the next block"), "\(submitted)")
        try waitUntil(timeout: 15) { try cluster.json(peer, ["provider", "status"])["registered"] as? Bool == true }
        let status = try cluster.json(peer, ["provider", "status"])
        #expect(status["stake"] as? Int == 100_000_000, "\(status)")
        #expect(status["capacity"] as? Int == 1 << 30 && status["price"] as? Int == 10_000, "\(status)")
        for key in ["score", "agreements", "proofs_ok", "proofs_missed", "warnings"] {
            #expect(status[key] != nil, "provider status --json has \(key): \(status)")
        }
        let text = try cluster.cli(peer, ["provider", "status"])
        #expect(text.contains("stake:       100 CRN"), "\(text)")

        let agreements = try cluster.json(peer, ["agreements"])
        #expect(agreements.keys.sorted() == ["agreements"], "\(agreements)")
        #expect((agreements["agreements"] as? [Any])?.isEmpty == true, "\(agreements)")

        // Refusals in words: a stake below the minimum (by the ledger), an agreement nobody has.
        let low = cluster.refusal(
            peers[2], ["provider", "register", "--capacity", "1GiB", "--price", "0.01", "--stake", "1"])
        #expect(low != "(succeeded)" && !low.isEmpty, "\(low)")
        let unknown = cluster.refusal(peer, ["renew", String(repeating: "ab", count: 32)])
        #expect(unknown.contains("no agreement"), "\(unknown)")
    }

    /// A network whose genesis has a chain but no market: every market route answers 503 saying so, the CLI
    /// prints that sentence, and nothing answers 500.
    @Test func aNetworkWithoutAMarketSaysSo() throws {
        let cluster = try ProcessCluster()
        defer { cluster.stopAll() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let genesis = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: root.appendingPathComponent("bootstrap/genesis.json")))
                as? [String: Any])
        var chain = try #require(genesis["chain"] as? [String: Any])
        chain["market"] = nil
        var plain = genesis
        plain["chain"] = chain
        let path = cluster.directory + "/genesis-without-market.json"
        try JSONSerialization.data(withJSONObject: plain).write(to: URL(fileURLWithPath: path))
        try cluster.start(count: 1, extraArguments: ["--genesis", path])
        let peer = cluster.peers[0]
        let id = String(repeating: "ab", count: 32)
        for (method, route) in [
            ("GET", "/api/v0/provider"), ("POST", "/api/v0/provider/withdraw"), ("GET", "/api/v0/agreements"),
            ("POST", "/api/v0/agreements/\(id)/renew"), ("POST", "/api/v0/agreements/\(id)/end"),
        ] {
            let reply = try RawHTTP.request(peer, method, route)
            #expect(reply.status == 503 && reply.text.contains("no storage market"), "\(route): \(reply.text)")
        }
        let refused = cluster.failure(0, ["provider", "status"])
        #expect(refused.contains("no storage market"), "\(refused)")
    }
}
