import CairnCrypto
import Foundation

/// The peer's identity key on disk: `<data>/identity.key`, mode 0600.
public struct IdentityStore: Sendable {
    public let directory: DataDirectory

    public init(directory: DataDirectory) { self.directory = directory }

    public var exists: Bool { FileManager.default.fileExists(atPath: directory.identityPath) }

    /// Makes a new identity that solves the network's puzzle and saves it. Refuses to overwrite one.
    public func create(puzzleBits: Int) throws -> Identity {
        try directory.create()
        guard !exists else { throw PeerSetupError.identityExists(path: directory.identityPath) }
        let identity = Identity.generate(puzzleBits: puzzleBits)
        try KeyFile.write(identity, to: directory.identityPath)
        return identity
    }

    /// Reads the saved identity and checks that it solves the network's puzzle.
    public func load(puzzleBits: Int) throws -> Identity {
        guard exists else { throw PeerSetupError.noIdentity(dataDirectory: directory.root) }
        let identity = try KeyFile.read(from: directory.identityPath)
        guard Puzzle.isSolved(by: identity.peerID, bits: puzzleBits) else {
            throw PeerSetupError.dataDirectory(
                path: directory.root,
                reason: "identity \(identity.peerID.shortHex) does not solve this network's \(puzzleBits)-bit puzzle; "
                    + "make a new one with `cairn init` in an empty data directory")
        }
        return identity
    }

    /// Writes an identity brought from elsewhere (`cairn identity import`). Refuses to overwrite one.
    public func save(_ identity: Identity) throws {
        try directory.create()
        guard !exists else { throw PeerSetupError.identityExists(path: directory.identityPath) }
        try KeyFile.write(identity, to: directory.identityPath)
    }
}
