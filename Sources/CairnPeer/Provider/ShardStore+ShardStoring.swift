import CairnStorage
import CairnWire
import NIOCore

/// The disk store as `cairn run` uses it behind the provider machine.
extension ShardStore: ShardStoring {
    @discardableResult
    public func write(_ bytes: ByteBuffer, id: ShardID, reference: ShardReference, confirmed: Bool, now: Instant)
        throws(StorageError) -> Bool
    {
        // The buffer's bytes are written where they lie: a 1 MiB shard is not copied on its way to disk.
        let result: Result<Bool, StorageError> = bytes.withUnsafeReadableBytes { buffer in
            do throws(StorageError) {
                return .success(try write(buffer, id: id, reference: reference, confirmed: confirmed, now: now))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public func readShard(_ id: ShardID) throws(StorageError) -> ByteBuffer {
        try readBuffer(id)
    }

    public func proof(leaf: Int, of id: ShardID) throws(StorageError) -> (leaf: [UInt8], path: MerkleProof)? {
        // A read verifies the whole shard against its ID first: a corrupt shard is quarantined and answers
        // nothing, so a holder that kept only a shard's length cannot pass.
        let bytes: [UInt8] = try read(id)
        return bytes.withUnsafeBytes { ShardCommitment.proof(leaf: leaf, of: $0) }
    }
}
