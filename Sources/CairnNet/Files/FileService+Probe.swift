import CairnPeer
import CairnStorage
import CairnWire

extension FileService {
    /// Asks every holder of `layout` which of its shards it has: one index lookup per holder, no shard read.
    /// The machine sends the requests and times them out (`ProbeOperation`); a holder without an address or
    /// that does not answer counts as unreachable, and so does every holder when the peer is stopping.
    func probe(_ layout: PlacedFile, holders: [PeerID: PeerInfo]) async -> ShardAvailability {
        guard case .holdersProbed(let probe)? = try? await peer.perform(.probeHolders(layout, addresses: holders))
        else {
            var nothing = ShardAvailability()
            nothing.unreachable = Set(layout.segments.flatMap(\.holders))
            return nothing
        }
        return probe
    }
}
