import ArgumentParser
import CairnAPI

struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers", abstract: "List the running peer's routing table.")

    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/peers", as: PeersResponse.self)
        if options.json { return try printJSON(reply) }
        printTable(["PEER", "ADDRESS", "LAST SEEN"], reply.peers.map { [$0.id, $0.address, $0.lastSeen] })
        print("\(reply.peers.count) peers")
    }
}
