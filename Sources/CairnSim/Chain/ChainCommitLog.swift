import CairnChain
import CairnCrypto

/// Every block the simulated peers commit, as they commit it (`PeerAction.observed(.chainCommitted)`), with the
/// safety check of DESIGN.md §6: no two honest peers commit different blocks at one height. A commit is the
/// only event that changes what a peer committed, so checking each one as it is observed is checking after
/// every event.
struct ChainCommitLog {
    /// Whether each peer is honest; a byzantine validator's own commits are not checked.
    let honest: [Bool]
    /// The height at which the run's target is reached.
    let target: Height
    /// Each peer's committed height.
    private(set) var heights: [Height]
    /// The first honest commit of each height (index height − 1): its block and its virtual time.
    private(set) var firsts: [(hash: Key256, time: Int64)] = []
    /// Honest commits of a block other than the first honest commit of its height.
    private(set) var violations = 0
    /// Honest peers that committed the target height (a byzantine validator gone silent cannot even ask for
    /// the blocks it missed: the run does not wait for adversaries).
    private(set) var reachedTarget = 0

    init(honest: [Bool], target: Height) {
        self.honest = honest
        self.target = target
        heights = Array(repeating: 0, count: honest.count)
    }

    mutating func committed(node: Int, height: Height, hash: Key256, at time: Int64) {
        if height > heights[node] {
            if honest[node], heights[node] < target && height >= target { reachedTarget += 1 }
            heights[node] = height
        }
        guard honest[node], height >= 1 else { return }
        let index = Int(height - 1)
        if index < firsts.count {
            if firsts[index].hash != hash { violations += 1 }
        } else if index == firsts.count {
            firsts.append((hash, time))
        } else {
            // A height committed before the one below it anywhere cannot happen (each block names its parent);
            // were it to, it is a fault of the chain and counted as one.
            violations += 1
        }
    }

    /// The highest height any peer committed.
    var highest: Height { Height(firsts.count) }
}
