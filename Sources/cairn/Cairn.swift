import ArgumentParser

@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "A peer-to-peer encrypted storage network.",
        discussion: """
            Start with `cairn init`, then `cairn run`. Other commands talk to a running peer through its
            local HTTP API (--api, default 127.0.0.1:5002).
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, RunCommand.self, PutCommand.self, GetCommand.self, ListCommand.self, RemoveCommand.self,
            ShareCommand.self, CheckCommand.self, RepairCommand.self, StatusCommand.self, IdentityCommand.self, IDCommand.self, PeersCommand.self,
            DashboardCommand.self, GenesisCommand.self, ChainCLICommand.self, WalletCommand.self, ValidatorCommand.self,
            ProviderCommand.self, AgreementsCommand.self, RenewCommand.self,
            DHTCommand.self, SimCommand.self, BenchCommand.self,
        ]
    )
}

/// Options every command that talks to a running peer takes.
struct APIOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: "The peer's API address (HOST:PORT).")
    var api: String = "127.0.0.1:5002"

    @Option(help: """
        The peer's data directory, whose api-token file the API needs. Default: the CAIRN_API_TOKEN variable, \
        else ~/.cairn.
        """)
    var data: String?

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func client() throws -> APIClient { try APIClient(address: api, token: APITokenSource.resolve(data: data)) }
}
