import CairnWire

/// Every peer's resident memory (VmRSS) through a soak, sampled on a fixed period and labelled with the phase
/// of the load, so that "before", "during" and "a minute after" are read off the same series.
actor MemoryTimeline {
    enum Phase: String, Codable {
        /// Joined, no load yet: the baseline.
        case idle
        /// Clients putting, getting and deleting.
        case load
        /// Deleting every file that is left.
        case cleanup
        /// No load, nothing stored: memory should come back.
        case settle
    }

    struct Sample: Codable {
        var seconds: Double
        var phase: Phase
        /// MiB per peer, by peer index; 0 for a peer that is gone.
        var residentMiB: [Double]

        enum CodingKeys: String, CodingKey {
            case seconds, phase
            case residentMiB = "rss_mib"
        }
    }

    let pids: [Int32]
    private let start = ContinuousClock.now
    private(set) var phase = Phase.idle
    private(set) var samples: [Sample] = []

    init(pids: [Int32]) {
        self.pids = pids
    }

    func enter(_ phase: Phase) {
        self.phase = phase
    }

    /// Reads every peer's VmRSS now and keeps it.
    @discardableResult
    func sample() -> Sample {
        let seconds = (ContinuousClock.now - start).secondsDouble
        let sample = Sample(
            seconds: seconds, phase: phase,
            residentMiB: pids.map { ResidentMemory.of(pid: $0)?.currentMiB ?? 0 })
        samples.append(sample)
        return sample
    }
}
