import ArgumentParser
import CairnPeer
import Foundation

struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Print the network parameters built into cairn (the local test network's genesis) as JSON.",
        discussion: """
            A starting point for a network of your own: change what you need (a new "network" name, your \
            bootstrap peers, the chain's validators) and give the file to `cairn init` and `cairn run` with \
            --genesis. Peers of networks whose genesis differs refuse each other.
            """)

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try encoder.encode(NetworkParameters.embedded)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
