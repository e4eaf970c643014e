/// The chain machine's own timing and limits (the chain's rules come from the genesis, `ChainParameters`).
public struct ChainMachineConfig: Hashable, Sendable {
    /// While a height is undecided, a validator sends its own signed messages of the height again this often,
    /// so that a validator that missed them (a dropped connection, a healed partition) still gets them, as
    /// CometBFT's gossip routines keep sending what a peer lacks.
    public var regossipInterval: Duration = .seconds(1)
    /// How often a peer tells its neighbours its committed height, besides after every commit: a peer that fell
    /// behind while cut off learns whom to sync from.
    public var statusInterval: Duration = .seconds(5)
    /// Neighbours told of each new height (besides the validators), at least: one per Kademlia bucket, then the
    /// nearest in XOR distance (`ChainMachine.setNeighbours`).
    public var statusFanout = 8
    /// Transactions a mempool holds, at most, and their bytes.
    public var mempoolLimits = Mempool.Limits(maxCount: 10_000, maxBytes: 8 << 20)
    /// Committed blocks kept in memory to serve syncing peers without a disk read, at most, and their bytes: the
    /// older ones are read from the store. Bounded in bytes too, as blocks of proofs of storage run to 40 KB
    /// each (256 of them held 10 MB on every peer of the soak benchmark).
    public var recentBlocks = 256
    public var recentBlockBytes = 2 << 20
    /// Blocks one `getBlocks` answer carries at most, and their bytes (under one frame).
    public var maxBlocksPerAnswer = 512
    public var maxBytesPerAnswer = 3 << 20
    public var sync = BlockSync<SyncedBlock>.Config()
    /// How far a proposed block's time may be ahead of this peer's clock.
    public var maxBlockTimeDrift: Duration = .seconds(10)
    /// The states committed blocks led to, shared with the other peers of a simulated network
    /// (`AppliedBlockMemo`); nil in `cairn run`, where each peer applies every block itself.
    public var appliedBlocks: AppliedBlockMemo?

    public init() {}
}
