/// Nearest-rank percentiles: always a value that occurred, so the same samples give the same figure on
/// every machine.
public enum Percentile {
    /// The smallest sample with at least `fraction` of the samples at or below it; zero for no samples.
    public static func nearestRank<T: Comparable & AdditiveArithmetic>(_ fraction: Double, of sorted: [T]) -> T {
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
