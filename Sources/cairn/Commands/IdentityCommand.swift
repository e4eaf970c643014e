import ArgumentParser
import CairnCrypto
import CairnPeer
import Foundation

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Carry an identity (and so its files) to another peer.",
        discussion: "The passphrase is read from CAIRN_PASSPHRASE, or asked for on the terminal.",
        subcommands: [Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this data directory's identity, sealed with a passphrase (Argon2id), to a file.")
        @Option(help: "Data directory.") var data: String = DataDirectory.defaultRoot
        @Option(name: .shortAndLong, help: "Where to write the sealed identity.") var output: String

        func run() async throws {
            let directory = DataDirectory(root: data)
            guard IdentityStore(directory: directory).exists else { throw PeerSetupError.noIdentity(dataDirectory: directory.root) }
            let identity = try KeyFile.read(from: directory.identityPath)
            let passphrase = try readPassphrase(confirm: true)
            let sealed = PassphraseBox.seal(identity.seed, passphrase: passphrase)
            guard FileManager.default.createFile(atPath: output, contents: Data(sealed), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write \(output)")
            }
            print("exported identity \(identity.peerID.hex) to \(output)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install an exported identity into an empty data directory.")
        @Option(help: "Data directory (must have no identity yet).") var data: String = DataDirectory.defaultRoot
        @Argument(help: "The file `cairn identity export` wrote.") var file: String

        func run() async throws {
            guard let sealed = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            let passphrase = try readPassphrase(confirm: false)
            let seed = try PassphraseBox.open(Array(sealed), passphrase: passphrase)
            guard let identity = Identity(seed: seed) else { throw CLIError("\(file) does not hold an identity") }
            try IdentityStore(directory: DataDirectory(root: data)).save(identity)
            print("imported identity \(identity.peerID.hex) into \(data)")
        }
    }
}

/// The passphrase from CAIRN_PASSPHRASE, or typed (without echo) at the terminal.
func readPassphrase(confirm: Bool) throws -> String {
    if let fromEnvironment = ProcessInfo.processInfo.environment["CAIRN_PASSPHRASE"], !fromEnvironment.isEmpty {
        return fromEnvironment
    }
    guard isatty(STDIN_FILENO) == 1, let typed = getpass("passphrase: ").map({ String(cString: $0) }), !typed.isEmpty else {
        throw CLIError("no passphrase: set CAIRN_PASSPHRASE or run from a terminal")
    }
    if confirm {
        guard let again = getpass("again: ").map({ String(cString: $0) }), again == typed else {
            throw CLIError("the passphrases differ")
        }
    }
    return typed
}
