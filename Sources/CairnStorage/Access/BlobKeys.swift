import CairnWire

/// Where the network keeps a file's blobs: a descriptor and its placement records under the file ID itself, a grant under a key that
/// only its file and grantee decide, so that the grantee can find it without asking the owner.
public enum BlobKeys {
    public static func grant(fileID: Key256, grantee: PeerID) -> Key256 {
        var bytes = SigningBytes(domain: "cairn/grant-key/v1")
        bytes.append(fileID.bytes)
        bytes.append(grantee.bytes)
        return SHA256.hash(bytes.bytes)
    }
}
