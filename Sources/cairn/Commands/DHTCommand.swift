import ArgumentParser
import CairnAPI
import CairnCrypto
import Foundation

struct DHTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dht", abstract: "Ask the DHT through the running peer.",
        subcommands: [Closest.self, FindPeer.self, Provide.self, Providers.self])

    struct Closest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Iterative lookup: the k peers XOR-closest to KEY, nearest first.")
        @Argument(help: "64 hex characters.") var key: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(key) }

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/dht/closest/\(try parseKey(key).hex)", as: ClosestResponse.self)
            if options.json { return try printJSON(reply) }
            for (rank, peer) in reply.peers.enumerated() { print("\(rank + 1)\t\(peer)") }
            print("\(reply.peers.count) peers, \(reply.hops) hops, \(String(format: "%.1f", reply.ms)) ms")
        }
    }

    struct FindPeer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find-peer", abstract: "Find a peer's addresses by its PeerID.")
        @Argument(help: "The PeerID: 64 hex characters.") var peerID: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(peerID) }

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/dht/peer/\(try parseKey(peerID).hex)", as: IDResponse.self)
            if options.json { return try printJSON(reply) }
            print("\(reply.id) at \(reply.addresses.joined(separator: ", "))")
        }
    }

    struct Provide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Announce that this peer provides KEY (a signed provider record at the k closest peers).")
        @Argument(help: "64 hex characters.") var key: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(key) }

        func run() async throws {
            let reply = try await options.client().json(.POST, "/api/v0/dht/provide/\(try parseKey(key).hex)", as: ProvideResponse.self)
            if options.json { return try printJSON(reply) }
            print("provider record for \(reply.key) stored on \(reply.storedAt) peers")
        }
    }

    struct Providers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find the peers that provide KEY.")
        @Argument(help: "64 hex characters.") var key: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(key) }

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/dht/providers/\(try parseKey(key).hex)", as: ProvidersResponse.self)
            if options.json { return try printJSON(reply) }
            for provider in reply.providers { print(provider) }
            print("\(reply.providers.count) providers")
        }
    }
}

func parseKey(_ text: String) throws -> Key256 {
    guard let key = Key256(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ValidationError("'\(text)' is not a key: expected 64 hexadecimal characters")
    }
    return key
}
