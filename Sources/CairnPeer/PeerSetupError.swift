/// Problems found while setting up a peer, each a sentence that says what to do.
public enum PeerSetupError: Error, CustomStringConvertible, Sendable {
    case unreadableFile(String)
    case invalidGenesis(path: String, reason: String)
    case noIdentity(dataDirectory: String)
    case identityExists(path: String)
    case dataDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path): "cannot read \(path)"
        case .invalidGenesis(let path, let reason): "invalid genesis file \(path): \(reason)"
        case .noIdentity(let dir): "no identity in \(dir): run `cairn init --data \(dir)` first"
        case .identityExists(let path): "an identity already exists at \(path); refusing to overwrite it"
        case .dataDirectory(let path, let reason): "data directory \(path): \(reason)"
        }
    }
}
