import CairnDHT
import CairnWire

/// One measured lookup: who asks for which key, and what came of it.
struct LookupPlan {
    var asker: Int
    var key: Key256
    /// The k live peers closest to the key, found by brute force when the lookup starts.
    var truth: Set<PeerID> = []
    var result: [PeerInfo]?
    var stats: QueryStats?

    var succeeded: Bool {
        guard let result else { return false }
        return result.count == truth.count && Set(result.map(\.id)) == truth
    }
}
