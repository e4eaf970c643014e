import ArgumentParser

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim", abstract: "Run many peers on this machine: a real local cluster, or the deterministic simulator.",
        subcommands: [
            ClusterCommand.self, SimDHTCommand.self, SimFilesCommand.self, SimChainCommand.self,
            SimStorageCommand.self,
        ])
}
