import ArgumentParser
import CairnAPI
import CairnPeer

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create this peer's Ed25519 identity and API token in the data directory and print its PeerID.")

    @Option(help: "Data directory (created with mode 0700 if missing).")
    var data: String = DataDirectory.defaultRoot

    @Option(help: "Network parameters (genesis JSON); its puzzle_bits sets the identity puzzle.")
    var genesis: String?

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func run() async throws {
        let parameters = try genesis.map { try NetworkParameters.load(from: $0) } ?? .embedded
        let store = IdentityStore(directory: DataDirectory(root: data))
        let identity = try store.create(puzzleBits: parameters.puzzleBits)
        // Clients of the API (the CLI among them) prove with it that they may use this peer.
        _ = try APITokenFile.loadOrCreate(dataDirectory: store.directory.root)
        if json { return try printJSON(IDResponse(id: identity.peerID.hex, addresses: [])) }
        print(identity.peerID.hex)
    }
}
