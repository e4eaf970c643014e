import CairnChain
import CairnCrypto
import CairnStorage
import CairnWire

/// What the market agent asks of the running peer.
public enum MarketAgentEffect: Sendable {
    /// Sign and submit `kind`, then tell the agent how it went (`submitted`).
    case submit(TransactionKind, MarketAgent.Purpose)
    /// Look up the keepers of a file (`lookedUp`).
    case lookUp(Key256)
    /// Read a file's descriptor from this peer's own blob store (`StoreOperation.getBlob`, then
    /// `storeCompleted`).
    case readDescriptor(StoreTicket, Key256)
    /// Ask a keeper for a file's descriptor (`descriptorAnswered`).
    case askDescriptor(Key256, PeerInfo)
    /// Keep a copy of the descriptor of a file this provider holds a slot of (`StoreOperation.putBlob`; the
    /// outcome comes back to `proved`, which ignores it): a repairer asks the file's providers for it when the
    /// keepers a put chose have left (`LocateOrder.holders`).
    case keepDescriptor(StoreTicket, Key256, bytes: [UInt8], owner: PublicKey)
    /// Drop the shards of a slot whose agreement closed (`StoreOperation.releaseShards`; the outcome comes back
    /// to `storeCompleted`, which ignores it).
    case releaseShards(StoreTicket, ShardReference, [ShardID])
    /// The leaf and its path of a stored shard (`StoreOperation.proveShard`, then `proved`).
    case prove(StoreTicket, ShardID, leaf: Int)
    /// Rebuild a slot onto a new provider and submit its repair (`RunningPeer.startSelfRepair`, then
    /// `repairEnded`).
    case repairSlot(MarketAgent.SlotRepair)
    case log(PeerLogEntry)
}
