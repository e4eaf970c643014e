import CairnCrypto

/// Names one chain: the SHA-256 of its genesis (DESIGN.md §6). Every signed transaction, proposal and vote
/// carries it, so that nothing signed for one network is valid on another.
public struct ChainID: Hashable, Sendable, CustomStringConvertible {
    public let hash: Key256
    public init(_ hash: Key256) { self.hash = hash }
    public var description: String { hash.description }
}

/// A block's position in the chain; the genesis state is height 0 and the first block is height 1.
public typealias Height = UInt64

/// A consensus round within one height (Tendermint, Buchman–Kwon–Milošević 2018, Algorithm 1); starts at 0.
public typealias Round = UInt32
