import CairnChain
import CairnMarket

extension MarketAgent {
    /// This epoch's challenges the provider cannot answer, in words, with what a miss will cost: said as soon as
    /// the agent knows (its shard is gone, corrupt or unreadable, or the file's descriptor cannot be found), which
    /// is before the chain settles the epoch and takes the penalty (issue 9 item 4: Storj operators and Sia hosts
    /// ask to see a penalty coming). Empty when every challenge of the epoch has its proof.
    public var proofWarnings: [String] {
        guard let round, let parameters = round.parameters, !round.unproved.isEmpty else { return [] }
        let clock = MarketClock(parameters)
        let settles = (round.epoch + 1) * parameters.epochBlocks
        return round.unproved.sorted { $0.key < $1.key }.map { id, reason in
            guard let agreement = round.agreements[id]?.agreement else {
                return "cannot prove agreement \(id.shortHex)… in epoch \(round.epoch): \(reason)"
            }
            let misses = agreement.consecutiveMisses + 1
            let repair =
                misses >= parameters.missesBeforeRepair
                ? "it will then be marked for repair and its slot moved to another provider"
                : "\(parameters.missesBeforeRepair - misses) more missed epochs and it is marked for repair"
            return "cannot prove agreement \(agreement.id.shortHex)… (file \(agreement.fileID.shortHex)…, slot "
                + "\(agreement.slot)) in epoch \(round.epoch): \(reason). Unless a proof commits by height "
                + "\(clock.proofDeadline(of: round.epoch)), block \(settles) counts miss \(misses) in a row and "
                + "takes \(parameters.penalty(afterMisses: misses).baseUnits) base units of stake; \(repair)"
        }
    }
}
