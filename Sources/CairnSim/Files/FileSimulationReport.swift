/// What a file simulation measured (`cairn sim files --json`). Everything but `wallSeconds` and `peakRSSMiB` is
/// a function of the configuration alone: the same seed prints the same figures.
public struct FileSimulationReport: Codable, Hashable, Sendable {
    public var peers: Int
    public var files: Int
    public var seed: UInt64
    public var churn: Double
    public var size: Int
    public var payload: FileSimulationConfig.Payload
    public var k: Int
    public var n: Int
    /// Puts that finished with every shard stored and the descriptor published.
    public var putsOK: Int
    /// Gets after the crashes that returned exactly what was put (SHA-256 for `real`, shard IDs for `synthetic`).
    public var getsOK: Int
    /// `getsOK` over the puts that succeeded.
    public var readableFraction: Double
    /// The binomial prediction for this code and churn (`FileAvailability.fileReadable`).
    public var readableExpected: Double
    /// Requests, responses and announcements put on the simulated wire.
    public var messages: Int
    /// Virtual time the whole scenario took.
    public var virtualSeconds: Double
    /// Real time the run took.
    public var wallSeconds: Double
    /// The simulator's own peak resident memory (VmHWM), MiB.
    public var peakRSSMiB: Double

    enum CodingKeys: String, CodingKey {
        case peers, files, seed, churn, size, payload, k, n, messages
        case putsOK = "puts_ok"
        case getsOK = "gets_ok"
        case readableFraction = "readable_fraction"
        case readableExpected = "readable_expected"
        case virtualSeconds = "virtual_seconds"
        case wallSeconds = "wall_seconds"
        case peakRSSMiB = "peak_rss_mib"
    }
}
