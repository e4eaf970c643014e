import CairnChain
import CairnCrypto

extension MarketState {
    /// The order in which `candidates` (keepers: the peers closest to the file ID, which hold its descriptor)
    /// should repair `agreement`: by XOR distance from their PeerID (SHA-256 of the key) to the file ID, closest
    /// first, duplicates dropped. The first repairs; the next is the fallback when it has not within an epoch,
    /// and so on. Every keeper computes the same list from the same candidates, in whatever order it found them.
    /// Not enforced on chain: a repair is valid from any keeper.
    public static func repairer(for agreement: StorageAgreement, candidates: [PublicKey]) -> [PublicKey] {
        var seen = Set<PublicKey>()
        return
            candidates
            .filter { seen.insert($0).inserted }
            .map { (key: $0, distance: $0.peerID.distance(to: agreement.fileID)) }
            .sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.key.precedes($1.key) }
            .map(\.key)
    }
}
