/// One peer's memory over a soak, judged against the targets of issue 6, item 10.
struct SoakMemorySummary: Codable, Equatable {
    /// What a peer must stay under from start to end: a provider on a small machine (a 512 MiB board, a
    /// shared VPS) must run for months beside other programs.
    static let ceilingMiB = 120.0
    /// How far above its idle size a peer may still be a minute after the load ends: memory that does not
    /// come back accumulates, run after run, until the peer is killed.
    static let returnMarginMiB = 20.0

    var peer: Int
    /// Resident just before the load started.
    var idleMiB: Double
    /// The most resident at any instant (VmHWM, which also catches peaks between samples).
    var peakMiB: Double
    /// Resident at the last sample, after the settle period.
    var endMiB: Double

    var underCeiling: Bool { peakMiB < Self.ceilingMiB }
    var backToIdle: Bool { endMiB - idleMiB <= Self.returnMarginMiB }

    enum CodingKeys: String, CodingKey {
        case peer
        case idleMiB = "idle_mib"
        case peakMiB = "peak_mib"
        case endMiB = "end_mib"
    }

    /// Summaries per peer: idle from the last idle sample, end from the last sample, peak from the larger of
    /// the samples and each peer's VmHWM (`highWaterMiB`, read at the end).
    static func summarize(_ samples: [MemoryTimeline.Sample], highWaterMiB: [Double]) -> [SoakMemorySummary] {
        let idle = samples.last(where: { $0.phase == .idle }) ?? samples.first
        let end = samples.last
        return highWaterMiB.indices.map { peer in
            let sampledPeak = samples.compactMap { $0.residentMiB[safe: peer] }.max() ?? 0
            return SoakMemorySummary(
                peer: peer, idleMiB: idle?.residentMiB[safe: peer] ?? 0,
                peakMiB: max(sampledPeak, highWaterMiB[peer]), endMiB: end?.residentMiB[safe: peer] ?? 0)
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
