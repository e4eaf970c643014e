import Foundation
import Testing

/// Issue 8, items 1, 6 and 7, through real processes: a 4-peer `cairn sim cluster` (peer 0, the bootstrap peer,
/// is the local chain's one validator at genesis) driven by the CLI alone — `chain status`, `wallet faucet`,
/// `wallet transfer`, `chain submit` of a `--sign-only` transaction (replayed, and with its signature forged),
/// `validator bond` and `validator list`.
@Suite(.serialized)
struct ChainCLITests {
    struct Member {
        var api: String
        var data: String
    }

    /// Starts a detached cluster of `count` peers in `directory` on a free range from 6200 up.
    /// `extraArguments` go to `cairn sim cluster`.
    func startCluster(_ count: Int, in directory: String, extraArguments: [String] = []) throws -> [Member] {
        for _ in 0..<20 {
            let base = 6200 + 20 * Int.random(in: 0..<150)
            let ports = (0..<count).flatMap { [base + $0, base + 1000 + $0] }
            guard ports.allSatisfy(canBind), PortClaims.claim(base) else { continue }
            let text: String
            do {
                text = try runCLI(
                    [
                        "sim", "cluster", "--peers", "\(count)", "--base-port", "\(base)", "--dir", directory,
                        "--detach",
                        "--json",
                    ] + extraArguments, timeout: 120)
            } catch let failure as CLIFailure where failure.stderr.contains("already in use") {
                continue
            }
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let peers = try #require(object?["peers"] as? [[String: Any]])
            return peers.map { Member(api: $0["api"] as? String ?? "", data: $0["data"] as? String ?? "") }
        }
        throw CLIFailure(status: -1, stderr: "no free port range from 6200")
    }

    func cli(_ member: Member, _ arguments: [String]) throws -> String {
        try runCLI(arguments + ["--api", member.api, "--data", member.data])
    }

    func json(_ member: Member, _ arguments: [String]) throws -> [String: Any] {
        let text = try cli(member, arguments + ["--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// What a refused command printed on standard error, or "(succeeded)".
    func refusal(_ member: Member, _ arguments: [String]) -> String {
        do {
            _ = try cli(member, arguments)
            return "(succeeded)"
        } catch let failure as CLIFailure {
            return failure.stderr
        } catch {
            return "\(error)"
        }
    }

    func height(_ member: Member) throws -> Int { try json(member, ["chain", "status"])["height"] as? Int ?? -1 }
    func balance(_ member: Member) throws -> Int { try json(member, ["wallet", "balance"])["balance"] as? Int ?? -1 }

    @Test func theChainThroughTheCLI() throws {
        let directory = NSTemporaryDirectory() + "cairn-chain-cli-" + UUID().uuidString.prefix(8)
        defer {
            _ = try? runCLI(["sim", "cluster", "--stop", "--dir", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        // The peers' own faucet requests and stakes would move the balances this test counts.
        let peers = try startCluster(4, in: directory, extraArguments: ["--no-auto-register"])
        try #require(peers.count == 4)
        let token: Double = 1_000_000

        // The chain runs, and every peer reaches the height peer 0 reports within 2 s.
        try waitUntil(timeout: 30) { try height(peers[0]) >= 2 }
        let status = try json(peers[0], ["chain", "status"])
        for key in ["height", "tip", "validators", "voting_power_online", "peers_in_sync"] {
            #expect(status[key] != nil, "chain status --json has \(key): \(status)")
        }
        #expect(status["validators"] as? Int == 1)
        let reference = try height(peers[0])
        try waitUntil(timeout: 2) { try peers.allSatisfy { try height($0) >= reference } }

        // Peer 1 asks the faucet, then sends 12.5 CRN to peer 3, which sees them within 3 s.
        let address3 = try #require(try json(peers[3], ["wallet", "address"])["address"] as? String)
        #expect(try balance(peers[3]) == 0)
        try cli(peers[1], ["wallet", "faucet"])
        try waitUntil(timeout: 10) { try balance(peers[1]) >= Int(1_999 * token) }
        let sent = try json(peers[1], ["wallet", "transfer", address3, "12.5"])
        #expect(sent["accepted"] as? Bool == true)
        try waitUntil(timeout: 3) { try balance(peers[3]) == Int(12.5 * token) }
        let history = try json(peers[3], ["wallet", "history"])
        let last = try #require((history["transactions"] as? [[String: Any]])?.first)
        #expect(last["hash"] as? String == sent["hash"] as? String && last["kind"] as? String == "transfer")
        let tx = try json(peers[2], ["chain", "tx", try #require(sent["hash"] as? String)])
        let block = try json(peers[2], ["chain", "block", "\(try #require(tx["height"] as? Int))"])
        #expect(
            (block["transactions"] as? [[String: Any]])?.contains { $0["hash"] as? String == sent["hash"] as? String }
                == true)

        // A signed transaction submitted twice: taken once, refused the second time with the reason, nothing moves.
        let signed = try cli(peers[1], ["wallet", "transfer", address3, "1", "--sign-only"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try cli(peers[2], ["chain", "submit", signed])
        try waitUntil(timeout: 5) { try balance(peers[3]) == Int(13.5 * token) }
        let replay = refusal(peers[2], ["chain", "submit", signed])
        #expect(replay.contains("already used"), "\(replay)")
        // One byte of the signature (the last 64 bytes) changed: refused as forged.
        let fresh = try cli(peers[1], ["wallet", "transfer", address3, "1", "--sign-only"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var forged = Array(fresh)
        let at = forged.count - 10
        forged[at] = forged[at] == "0" ? "1" : "0"
        let forgery = refusal(peers[2], ["chain", "submit", String(forged)])
        #expect(forgery.contains("signature"), "\(forgery)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try balance(peers[3]) == Int(13.5 * token), "neither the replay nor the forgery moved anything")

        // A wallet apart from the peer's identity: a passphrase-protected keystore; the CLI signs, the peer relays.
        let keystore = directory + "/wallet.keystore"
        let passphrase = ["CAIRN_PASSPHRASE": "correct horse battery staple"]
        let relay = ["--api", peers[2].api, "--data", peers[2].data]
        let made = try runCLI(["wallet", "new", "--keystore", keystore, "--json"], environment: passphrase)
        let wallet = try #require(
            (try JSONSerialization.jsonObject(with: Data(made.utf8)) as? [String: Any])?["address"] as? String)
        func walletBalance() throws -> Int {
            let text = try runCLI(
                ["wallet", "balance", "--keystore", keystore, "--json"] + relay, environment: passphrase)
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(object?["address"] as? String == wallet)
            return object?["balance"] as? Int ?? -1
        }
        #expect(try walletBalance() == 0)
        try runCLI(["wallet", "faucet", "--keystore", keystore] + relay, environment: passphrase)
        try waitUntil(timeout: 10) { try walletBalance() >= Int(1_999 * token) }
        try runCLI(["wallet", "transfer", address3, "2", "--keystore", keystore] + relay, environment: passphrase)
        try waitUntil(timeout: 5) { try balance(peers[3]) == Int(15.5 * token) }
        let wrong =
            (try? runCLI(
                ["wallet", "transfer", address3, "2", "--keystore", keystore] + relay,
                environment: ["CAIRN_PASSPHRASE": "wrong"])) == nil
        #expect(wrong, "a wrong passphrase opens nothing")

        // Peers 1–3 bond 1,000 CRN each: four validators.
        for index in 2...3 { try cli(peers[index], ["wallet", "faucet"]) }
        try waitUntil(timeout: 10) { try (2...3).allSatisfy { try balance(peers[$0]) >= Int(1_999 * token) } }
        for index in 1...3 { try cli(peers[index], ["validator", "bond", "1000"]) }
        try waitUntil(timeout: 15) {
            (try json(peers[0], ["validator", "list"])["validators"] as? [Any])?.count == 4
        }
        let validators = try json(peers[2], ["validator", "list"])
        #expect((validators["validators"] as? [Any])?.count == 4)
        // The chain goes on with four validators.
        let before = try height(peers[0])
        try waitUntil(timeout: 10) { try peers.allSatisfy { try height($0) >= before + 2 } }
    }
}
