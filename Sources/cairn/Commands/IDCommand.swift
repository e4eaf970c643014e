import ArgumentParser
import CairnAPI

struct IDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id", abstract: "Show the running peer's PeerID and listen addresses.")

    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/id", as: IDResponse.self)
        if options.json { return try printJSON(reply) }
        print("id:        \(reply.id)")
        print("addresses: \(reply.addresses.joined(separator: ", "))")
    }
}
