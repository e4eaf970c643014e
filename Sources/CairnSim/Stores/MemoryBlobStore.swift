import CairnPeer
import CairnWire
import Synchronization

/// The blob store of a simulated peer: descriptors, placement records and grants in a dictionary, with the
/// owner who may delete each.
public final class MemoryBlobStore: BlobStoring {
    struct Key: Hashable {
        var kind: BlobKind
        var key: Key256
    }

    struct Blob {
        var bytes: [UInt8]
        var owner: PublicKey?
    }

    private let blobs = Mutex<[Key: Blob]>([:])

    public init() {}

    public func put(kind: BlobKind, key: Key256, bytes: [UInt8], owner: PublicKey?) {
        blobs.withLock { $0[Key(kind: kind, key: key)] = Blob(bytes: bytes, owner: owner) }
    }

    public func get(kind: BlobKind, key: Key256) -> [UInt8]? {
        blobs.withLock { $0[Key(kind: kind, key: key)]?.bytes }
    }

    public func delete(kind: BlobKind, key: Key256, owner: PublicKey) -> Bool {
        blobs.withLock { blobs in
            let key = Key(kind: kind, key: key)
            guard let blob = blobs[key], blob.owner == owner else { return false }
            blobs[key] = nil
            return true
        }
    }
}
