import CairnChain
import CairnCrypto

/// Epoch arithmetic over block heights (`MarketParameters`): epoch `e` covers heights `e·L + 1 … (e+1)·L`.
public struct MarketClock: Hashable, Sendable {
    public let epochBlocks: UInt64
    public let proofWindowBlocks: UInt64

    public init(_ parameters: MarketParameters) {
        epochBlocks = max(1, parameters.epochBlocks)
        proofWindowBlocks = parameters.proofWindowBlocks
    }

    /// The epoch that block `height` belongs to (the genesis, height 0, counts as epoch 0).
    public func epoch(of height: Height) -> UInt64 { height == 0 ? 0 : (height - 1) / epochBlocks }

    /// 1 for an epoch's first block, `epochBlocks` for its last.
    public func offset(of height: Height) -> UInt64 { height == 0 ? 0 : (height - 1) % epochBlocks + 1 }

    /// Whether block `height` settles its epoch.
    public func isLastBlock(_ height: Height) -> Bool { height > 0 && height % epochBlocks == 0 }

    /// Whether proofs may be posted in block `height` (the first `proofWindowBlocks` blocks of its epoch).
    public func acceptsProofs(at height: Height) -> Bool {
        offset(of: height) >= 1 && offset(of: height) <= proofWindowBlocks
    }

    /// The last height at which proofs for `epoch` are accepted.
    public func proofDeadline(of epoch: UInt64) -> Height { epoch * epochBlocks + proofWindowBlocks }

    /// The seed of `epoch`'s challenges: SHA-256("cairn-market-epoch" ‖ u64 epoch ‖ hash of block e·L), the last
    /// block before the epoch (the zero hash for epoch 0, whose previous "block" is the genesis). Unknown before
    /// that block is committed, the same on every peer after.
    public static func seed(epoch: UInt64, previousBlockHash: Key256) -> Key256 {
        var bytes = Array("cairn-market-epoch".utf8)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: epoch >> UInt64(shift)))
        }
        return SHA256.hash(bytes + previousBlockHash.bytes)
    }
}
