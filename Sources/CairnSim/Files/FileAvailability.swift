/// What share of files a k-of-n code should keep readable when a share `churn` of the peers is lost: the
/// prediction `cairn sim files` compares what it measured with (`readable_expected`).
///
/// A segment's n shards sit on n distinct providers; each provider is lost with probability `churn`, on its
/// own (the binomial model: exact for a network much larger than n, and within 10⁻³ of the hypergeometric
/// value from about 1,000 peers). A segment stays readable while at most n − k of its holders are lost. A file
/// is readable when every one of its segments is, and when at least one of the `descriptorReplicas` peers
/// keeping its descriptor survives (DESIGN.md §5). Segments are counted as independent: the placement spreads
/// a file's segments over different holder sets, so this slightly understates a file with many segments.
public enum FileAvailability {
    /// The chance that one segment keeps at least k of its n shards: P[Binomial(n, churn) ≤ n − k].
    public static func segmentReadable(k: Int, n: Int, churn: Double) -> Double {
        precondition(k >= 1 && k <= n, "a k-of-n code needs 1 ≤ k ≤ n")
        var total = 0.0
        for lost in 0...(n - k) {
            total += binomial(n, lost) * pow(churn, lost) * pow(1 - churn, n - lost)
        }
        return min(1, total)
    }

    /// The chance that a file of `segments` segments stays readable.
    public static func fileReadable(k: Int, n: Int, segments: Int, descriptorReplicas: Int, churn: Double) -> Double {
        let descriptorSurvives = 1 - pow(churn, descriptorReplicas)
        return descriptorSurvives * pow(segmentReadable(k: k, n: n, churn: churn), segments)
    }

    static func binomial(_ n: Int, _ r: Int) -> Double {
        var value = 1.0
        for i in 0..<r { value = value * Double(n - i) / Double(i + 1) }
        return value
    }

    /// `x` to the power `e` by repeated multiplication: the simulator's output must not depend on the platform's
    /// `pow`, since the same seed must print the same JSON everywhere.
    static func pow(_ x: Double, _ e: Int) -> Double {
        var result = 1.0
        for _ in 0..<e { result *= x }
        return result
    }
}
