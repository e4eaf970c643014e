import Foundation

/// The file scenario on whole simulated peers (`cairn sim files`, simulations/README.md): N peers join, F files
/// are put from random peers, a share `churn` of the peers crashes silently, and every file that was stored is
/// got from a random live peer other than its uploader, with its read capability, and checked.
///
/// The peers are the very `PeerMachine`s `cairn run` drives: survey, placement, retries, timeouts, hedging and
/// the lookups of a put and a get are theirs. The simulation does only what `FileService` does in `cairn run`:
/// it encodes and decodes (`--payload real`) or makes and checks synthetic shards (`synthetic`), and feeds the
/// machine the commands of a put and a get in the order `FileService` sends them.
public struct FileSimulation: Sendable {
    /// The scenario, validated.
    public let config: FileSimulationConfig
    /// Virtual time between two puts' starts, and between two gets' starts (`operationSpacing(files:)` unless set).
    public var operationSpacing: Duration

    /// Checks the scenario; throws the first problem as a sentence.
    public init(config: FileSimulationConfig) throws(FileSimulationConfigError) {
        try config.validate()
        self.config = config
        operationSpacing = Self.operationSpacing(files: config.files)
    }

    /// 10 ms between two puts (and two gets), closer beyond 1,000 files so that each phase starts its operations
    /// within `longestOperationPhase` (10,000 files: 1 ms).
    ///
    /// Why: the run's cost is mostly the peers' upkeep, which grows with virtual time whatever the files do —
    /// every peer pings each routing-table entry silent for 30 s, about 10⁵ messages per virtual second for
    /// 10,000 peers. Spreading 10,000 puts over 100 s instead of 10 s adds some 12 million pings and no rule:
    /// each put and get still runs in full, from a random peer, on the same machines. More operations overlap
    /// (a put takes a few virtual seconds), so a provider more often serves several at once.
    public static func operationSpacing(files: Int) -> Duration {
        let spread = longestOperationPhase.nanosecondsClamped / Int64(Swift.max(1, files))
        return .nanoseconds(Swift.min(maxOperationSpacing.nanosecondsClamped, spread))
    }

    static let maxOperationSpacing: Duration = .milliseconds(10)
    static let longestOperationPhase: Duration = .seconds(10)

    /// Runs the scenario to the end. Two runs of one configuration give the same report but for
    /// `wallSeconds` and `peakRSSMiB`.
    public func run() -> FileSimulationReport {
        let clock = ContinuousClock()
        let start = clock.now
        var run = FileSimulationRun(config: config, spacing: operationSpacing.nanosecondsClamped)
        run.putAll()
        run.crashAtRandom()
        run.getAll()
        var report = run.report()
        let elapsed = clock.now - start
        report.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        report.peakRSSMiB = PeakMemory.residentMiB() ?? 0
        return report
    }
}

/// The process's peak resident memory (VmHWM in /proc/self/status), MiB; nil where there is no /proc.
enum PeakMemory {
    static func residentMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, let kib = Double(fields[1]) { return kib / 1024 }
        }
        return nil
    }
}
