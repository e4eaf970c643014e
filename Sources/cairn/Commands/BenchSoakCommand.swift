import ArgumentParser
import CairnAPI
import CairnPeer
import CairnWire
import Foundation

/// Issue 6, item 10: every peer's resident memory before, during and a minute after a long put/get/delete load
/// on a real local cluster. Peers that grow under load and never give the memory back are killed, sooner or
/// later, on a small machine; this is the benchmark that shows it.
struct BenchSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Every peer's resident memory before, during and after a put/get/delete load on a local cluster.",
        discussion: """
            Targets: every peer under \(Int(SoakMemorySummary.ceilingMiB)) MiB throughout, and back within \
            \(Int(SoakMemorySummary.returnMarginMiB)) MiB of its idle size once the load has ended, every file \
            has been deleted and --settle seconds have passed.
            """)

    @Option(help: "Peers in the cluster.") var peers: Int = 10
    @Option(help: "Clients putting, getting and deleting at once, each through any peer's API.") var clients: Int = 3
    @Option(help: "Seconds of load.") var duration: Int = 360
    @Option(help: "Seconds to wait, with no load and nothing stored, before the last sample.") var settle: Int = 60
    @Option(help: "Seconds of idle samples before the load: the baseline.") var idle: Int = 10
    @Option(help: "Seconds between two memory samples.") var interval: Double = 5
    @Option(help: "Seconds between two progress rows (table output only).") var reportEvery: Double = 30
    @Option(help: "Largest file, e.g. 20MiB; sizes run from 1 B.") var maxSize: String = "20MiB"
    @Option(help: "Files one client holds at most before it deletes one.") var maxLive: Int = 16
    @Option(help: "First TCP port of the cluster.") var basePort: Int = 4700
    @Option(help: "Directory for the cluster (default: a temporary one, removed after).") var dir: String?
    @Option(help: "The peers' log level (their logs are in the cluster directory).") var logLevel: String = "warning"
    @Flag(help: "Print JSON, with every sample.") var json = false

    struct Report: Codable {
        var peers: Int
        var clients: Int
        var durationSeconds: Int
        var settleSeconds: Int
        var maxBytes: Int
        var tally: SoakLedger.Tally
        var memory: [SoakMemorySummary]
        var targetsMet: Bool
        /// Shards and bytes the providers still hold after every file was deleted.
        var shardsLeft: Int
        var bytesLeft: UInt64
        var filesLeft: Int
        /// Storage agreements still open (active or awaiting repair) once every file was deleted: each one
        /// keeps an owner paying for a deleted file and its provider fined for shards it rightly dropped.
        var agreementsLeft: Int
        var errors: [String]
        var samples: [MemoryTimeline.Sample]

        enum CodingKeys: String, CodingKey {
            case peers, clients, tally, memory, errors, samples
            case durationSeconds = "duration_s"
            case settleSeconds = "settle_s"
            case maxBytes = "max_bytes"
            case targetsMet = "targets_met"
            case shardsLeft = "shards_left"
            case bytesLeft = "bytes_left"
            case filesLeft = "files_left"
            case agreementsLeft = "agreements_left"
        }
    }

    func validate() throws {
        guard peers >= 2 else { throw ValidationError("--peers must be at least 2") }
        guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
        guard duration >= 1, settle >= 0, idle >= 0 else {
            throw ValidationError("--duration must be at least 1 second; --settle and --idle at least 0")
        }
        guard interval > 0, reportEvery > 0 else {
            throw ValidationError("--interval and --report-every must be positive")
        }
        guard let bytes = ByteSize.parse(maxSize), bytes >= 1, bytes <= 1 << 32 else {
            throw ValidationError("--max-size '\(maxSize)' is not a size between 1 B and 4 GiB")
        }
        guard maxLive >= 1 else { throw ValidationError("--max-live must be at least 1") }
    }

    func run() async throws {
        let directory = dir ?? NSTemporaryDirectory() + "cairn-soak-\(getpid())"
        let cluster = LocalCluster(directory: directory)
        try cluster.start(peers: peers, basePort: basePort, logLevel: logLevel)
        defer {
            cluster.stopAll()
            if dir == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        try await cluster.waitUntilJoined(timeout: 60)
        let apis = try cluster.members.map { try $0.client }
        let timeline = MemoryTimeline(pids: cluster.members.map(\.pid))
        let ledger = SoakLedger()
        let workload = SoakWorkload(maxBytes: Int(ByteSize.parse(maxSize)!), maxLiveFiles: maxLive)
        let soakClients = (0..<clients).map { SoakClient(index: $0, apis: apis, workload: workload, ledger: ledger) }
        if !json { printProgressHeader() }

        var filesLeft: [SoakFile] = []
        await withTaskGroup(of: Void.self) { sampler in
            sampler.addTask { await sampleUntilCancelled(timeline, ledger) }
            try? await Task.sleep(for: .seconds(idle))
            await mark(.load, timeline, ledger)
            let deadline = ContinuousClock.now + .seconds(duration)
            let left = await withTaskGroup(of: [SoakFile].self) { group in
                for client in soakClients { group.addTask { await client.run(until: deadline) } }
                return await group.reduce(into: [SoakFile]()) { $0 += $1 }
            }
            await mark(.cleanup, timeline, ledger)
            for file in left {
                if await !soakClients[0].delete(file) { filesLeft.append(file) }
            }
            await mark(.settle, timeline, ledger)
            try? await Task.sleep(for: .seconds(settle))
            sampler.cancelAll()
        }
        await mark(.settle, timeline, ledger)

        let highWater = cluster.members.map { ResidentMemory.of(pid: $0.pid)?.peakMiB ?? 0 }
        let memory = SoakMemorySummary.summarize(await timeline.samples, highWaterMiB: highWater)
        let stored = await storedShards(apis)
        let openAgreements = await openAgreements(apis)
        let report = Report(
            peers: peers, clients: clients, durationSeconds: duration, settleSeconds: settle,
            maxBytes: workload.maxBytes, tally: await ledger.tally, memory: memory,
            targetsMet: memory.allSatisfy { $0.underCeiling && $0.backToIdle },
            shardsLeft: stored.shards, bytesLeft: stored.bytes, filesLeft: filesLeft.count,
            agreementsLeft: openAgreements.count,
            errors: await ledger.errors, samples: await timeline.samples)
        if json { return try printJSON(report) }
        printSummary(report)
    }

    /// Samples every `interval` seconds, printing a progress row every `reportEvery` seconds.
    private func sampleUntilCancelled(_ timeline: MemoryTimeline, _ ledger: SoakLedger) async {
        var lastRow = -Double.infinity
        while !Task.isCancelled {
            let sample = await timeline.sample()
            if !json, sample.seconds - lastRow >= reportEvery - interval / 2 {
                printProgressRow(sample, await ledger.tally)
                lastRow = sample.seconds
            }
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// Samples once more at a change of phase, so that each phase's first and last figures are in the series.
    private func mark(_ phase: MemoryTimeline.Phase, _ timeline: MemoryTimeline, _ ledger: SoakLedger) async {
        let sample = await timeline.sample()
        await timeline.enter(phase)
        if !json { printProgressRow(sample, await ledger.tally) }
    }

    /// Shards and bytes every provider still holds.
    private func storedShards(_ apis: [APIClient]) async -> (shards: Int, bytes: UInt64) {
        var total = (shards: 0, bytes: UInt64(0))
        for api in apis {
            guard let status = try? await api.json(.GET, "/api/v0/status", as: StatusResponse.self) else { continue }
            total.shards += status.shards
            total.bytes += status.used
        }
        return total
    }

    /// Every peer's open agreements, as owner or provider, by ID.
    private func openAgreements(_ apis: [APIClient]) async -> Set<String> {
        var open: Set<String> = []
        for api in apis {
            guard let list = try? await api.json(.GET, "/api/v0/agreements", as: AgreementsResponse.self) else {
                continue
            }
            for agreement in list.agreements where agreement.state == "active" || agreement.state == "repair_needed" {
                open.insert(agreement.id)
            }
        }
        return open
    }

    private func printProgressHeader() {
        write("     s  phase     puts   gets   dels   fail  resident MiB, peer 0 to \(peers - 1)\n")
    }

    private func printProgressRow(_ sample: MemoryTimeline.Sample, _ tally: SoakLedger.Tally) {
        func column(_ value: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - value.count)) + value
        }
        let figures = [String(format: "%.0f", sample.seconds)] + [sample.phase.rawValue]
        let counts = [tally.puts, tally.gets, tally.deletes, tally.failures].map { column("\($0)", 6) }
        let memory = sample.residentMiB.map { String(format: "%.0f", $0) }.joined(separator: " ")
        write(
            column(figures[0], 6) + "  " + figures[1].padding(toLength: 8, withPad: " ", startingAt: 0)
                + counts.joined(separator: " ") + "  " + memory + "\n")
    }

    private func printSummary(_ report: Report) {
        print("")
        printTable(
            ["PEER", "IDLE MiB", "PEAK MiB", "END MiB", "END − IDLE"],
            report.memory.map { peer in
                [
                    String(peer.peer), String(format: "%.0f", peer.idleMiB),
                    String(format: "%.0f", peer.peakMiB) + (peer.underCeiling ? "" : " (over)"),
                    String(format: "%.0f", peer.endMiB),
                    String(format: "%+.0f", peer.endMiB - peer.idleMiB)
                        + (peer.backToIdle ? "" : " (over)"),
                ]
            })
        let tally = report.tally
        print(
            """

            \(peers) peers, \(clients) clients, \(duration) s of load (files of 1 B to \(maxSize)), \
            then \(settle) s idle
            puts \(tally.puts) (\(tally.putFailures) failed, \(Progress.size(tally.bytesPut))), \
            gets \(tally.gets) (\(tally.getFailures) failed, \(Progress.size(tally.bytesGot))), \
            deletes \(tally.deletes) (\(tally.deleteFailures) failed)
            left after the clean-up: \(report.filesLeft) files, \(report.shardsLeft) shards, \
            \(Progress.size(report.bytesLeft)) on the providers, \(report.agreementsLeft) storage agreements open
            targets: every peer under \(Int(SoakMemorySummary.ceilingMiB)) MiB throughout and within \
            \(Int(SoakMemorySummary.returnMarginMiB)) MiB of its idle size \(settle) s after the load: \
            \(report.targetsMet ? "met" : "NOT met")
            """)
        for error in report.errors { print("  failure: \(error)") }
    }

    /// Unbuffered, so that progress reaches a log file as it happens.
    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
