import Foundation

/// The durability model the storage simulation is compared with: Storj's v3 whitepaper §3.4 (the binomial
/// model of piece loss; its Poisson form is the same tail for small p).
///
/// A file of `n` slots, any `k` of which rebuild it, each slot on its own provider; every provider leaves
/// independently with probability `P` at each epoch boundary, and nothing is repaired. A slot is lost when its
/// provider left during the `E` epochs:
///
///     p_slot = 1 − (1 − P)^E
///
/// and the file is lost when more than n − k of its n slots are:
///
///     P(file lost) = Σ_{j = n−k+1}^{n} C(n, j) · p_slot^j · (1 − p_slot)^(n−j)
///
/// Summed over F files, the expected number lost without repair is F · P(file lost).
public enum StorageDurabilityModel {
    /// Probability that one slot's provider left within `epochs` epochs.
    public static func slotLoss(churnPerEpoch: Double, epochs: Int) -> Double {
        1 - pow(1 - churnPerEpoch, Double(epochs))
    }

    /// Probability that more than n − k of n slots are lost, each with probability `p`.
    public static func fileLoss(k: Int, n: Int, slotLoss p: Double) -> Double {
        guard k >= 1, n >= k else { return 0 }
        var total = 0.0
        for lost in (n - k + 1)...n {
            total += binomial(n, lost) * pow(p, Double(lost)) * pow(1 - p, Double(n - lost))
        }
        return min(1, max(0, total))
    }

    /// Files of `k`-of-`n` expected lost among `files` after `epochs` epochs of churn `churnPerEpoch`, no repair.
    public static func expectedLost(files: Int, k: Int, n: Int, churnPerEpoch: Double, epochs: Int) -> Double {
        Double(files) * fileLoss(k: k, n: n, slotLoss: slotLoss(churnPerEpoch: churnPerEpoch, epochs: epochs))
    }

    static func binomial(_ n: Int, _ j: Int) -> Double {
        var result = 1.0
        for i in 0..<min(j, n - j) { result = result * Double(n - i) / Double(i + 1) }
        return result
    }
}

