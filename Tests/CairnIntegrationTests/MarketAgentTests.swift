import Foundation
import Testing

/// Issue 9, item 1, through real processes: the peers of a 4-peer `cairn sim cluster` have capacity, and the
/// local network's genesis has a market and a faucet, so each asks the faucet on its own and registers as a
/// storage provider with the market's minimum stake (100 CRN), paying two fees of 0.001 CRN.
@Suite(.serialized)
struct MarketAgentTests {
    @Test func clusterPeersRegisterAsProvidersOnTheirOwn() throws {
        let chain = ChainCLITests()
        let directory = NSTemporaryDirectory() + "cairn-market-agent-" + UUID().uuidString.prefix(8)
        defer {
            _ = try? runCLI(["sim", "cluster", "--stop", "--dir", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        let peers = try chain.startCluster(4, in: directory)
        try #require(peers.count == 4)
        let registered = 2_000_000_000 - 100_000_000 - 2 * 1_000
        try waitUntil(timeout: 60) { try (1...3).allSatisfy { try chain.balance(peers[$0]) == registered } }
        let height = try chain.height(peers[0])
        print("market agent: peers 1–3 registered by height \(height)")
        // It stays so: no second faucet request nor registration.
        Thread.sleep(forTimeInterval: 3)
        for index in 1...3 { #expect(try chain.balance(peers[index]) == registered, "peer \(index)") }
    }
}
