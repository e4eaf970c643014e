import Foundation

/// The layout of a peer's data directory (default `~/.cairn`).
public struct DataDirectory: Sendable {
    public let root: String

    public init(root: String) {
        self.root = (root as NSString).expandingTildeInPath
    }

    public static var defaultRoot: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return home + "/.cairn"
    }

    public var identityPath: String { root + "/identity.key" }
    public var databasePath: String { root + "/peer.sqlite" }
    public var shardsPath: String { root + "/shards" }
    /// The chain: committed blocks, their commits and what this validator last signed (`ChainStore`).
    public var chainDatabasePath: String { root + "/chain.sqlite" }

    /// Creates the directory (mode 0700) if missing.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(
                atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PeerSetupError.dataDirectory(path: root, reason: error.localizedDescription)
        }
    }
}
