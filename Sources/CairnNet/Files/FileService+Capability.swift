import CairnCrypto
import CairnStorage
import CairnWire

extension FileService {
    /// The read capability of a file this peer owns, made again from its descriptor, whose file key is sealed to
    /// the owner: `put` prints it once, and the dashboard's "copy capability" asks for it any time after.
    public func capability(of fileID: Key256) async throws -> ReadCapability {
        let descriptor = try await descriptor(of: fileID)
        guard descriptor.owner == identity.publicKey else { throw FileError.notOwner(fileID) }
        let (key, _) = try fileKey(for: descriptor, fileID: fileID, grant: nil)
        return ReadCapability(fileID: fileID, fileKey: key)
    }
}
