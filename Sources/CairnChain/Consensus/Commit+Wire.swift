import CairnCrypto
import CairnWire
import NIOCore

// Commit: height (u64) ‖ round (u32) ‖ block hash (32) ‖ count (u16) ‖ count × (index (u16) ‖ signature (64)).
// At most `Commit.maxSignatures` entries: 66 bytes each, so a commit is at most about 4.3 MB at the limit
// and 46 + 66·n bytes for n signers.

extension Commit {
    /// As many signers as a validator set may hold.
    public static let maxSignatures = ValidatorSet.maxCount
}

extension ByteBuffer {
    public mutating func readCommit() throws(WireError) -> Commit? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> Commit? in
            guard let height = buffer.readInteger(as: Height.self), let round = buffer.readInteger(as: Round.self),
                let hash = buffer.readKey256(),
                let signatures = try buffer.readWireArray(
                    maxCount: Commit.maxSignatures, minElementByteCount: 66, "commit signatures",
                    { element throws(WireError) -> Commit.Signature? in
                        guard let index = element.readInteger(as: UInt16.self),
                            let signature = element.readSignature()
                        else { return nil }
                        return Commit.Signature(validatorIndex: index, signature: signature)
                    })
            else { return nil }
            return Commit(height: height, round: round, blockHash: hash, signatures: signatures)
        }
    }

    @discardableResult
    public mutating func writeCommit(_ commit: Commit) -> Int {
        let start = writerIndex
        writeInteger(commit.height)
        writeInteger(commit.round)
        writeKey256(commit.blockHash)
        writeWireArray(commit.signatures, maxCount: Commit.maxSignatures) { buffer, entry in
            buffer.writeInteger(entry.validatorIndex)
            buffer.writeSignature(entry.signature)
        }
        return writerIndex - start
    }
}
