import ArgumentParser
import CairnNet
import CairnStorage
import Foundation

/// `cairn check ID [--verify]`: who holds each slot of a file and whether they still have it.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask every holder of a file for its shards; with --verify, challenge each for a proof of storage.",
        discussion: """
            Any peer may check any file: only the file ID is needed, not the key. Each slot (shard index) is \
            reported per holder as healthy, missing (holder unreachable, or the shard is gone) or failed (a \
            proof of storage that does not check out, or a corrupt copy). healthy_min is the fewest healthy \
            shards of any segment: the file is readable while it is at least k.

            Example:
              cairn check 3f9a…e1 --verify
            """)

    @Argument(help: "File ID (64 hex) or read capability.") var reference: String
    @Flag(help: "Challenge every holder for random leaves of its shards, checked against the descriptor.")
    var verify = false
    @OptionGroup var options: APIOptions

    func run() async throws {
        let id = try FileReference(parsing: reference).fileID
        let report = try await options.client().json(
            .GET, "/api/v0/files/\(id.hex)/check\(verify ? "?verify=true" : "")", as: CheckReport.self)
        if options.json {
            try printJSON(report)
        } else {
            print("file \(report.id): \(report.segments) segments, \(report.k)-of-\(report.n), "
                + "at least \(report.healthyMin) healthy shards in every segment"
                + (report.verified ? " (proofs of storage verified)" : ""))
            printTable(["SLOT", "HOLDER", "STATE", "HEALTHY"], report.slots.map {
                ["\($0.index)", $0.holder.isEmpty ? "(none)" : String($0.holder.prefix(16)), $0.state.rawValue,
                 "\($0.healthy)/\($0.shards)"]
            })
            let broken = report.slots.filter { $0.state != .healthy }.count
            print(broken == 0 ? "healthy" : "\(broken) slot holder(s) not healthy: `cairn repair \(report.id)` rebuilds them")
        }
    }
}

/// `cairn repair ID`: rebuild what a check finds missing or failed, from any peer.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Rebuild a file's missing or failed shards onto new providers; any peer may, without the key.",
        discussion: """
            Checks the file with proofs of storage, rebuilds every missing or failed shard from k healthy ones \
            (Reed–Solomon over the ciphertext), places it on a live provider with room that holds nothing else \
            of its segment, and publishes the new holders' signed placement records. The file ID and every \
            capability stay the same.
            """)

    @Argument(help: "File ID (64 hex) or read capability.") var reference: String
    @OptionGroup var options: APIOptions

    func run() async throws {
        let id = try FileReference(parsing: reference).fileID
        let report = try await options.client().json(.POST, "/api/v0/files/\(id.hex)/repair", as: RepairReport.self)
        if options.json { return try printJSON(report) }
        if report.rebuilt == 0 {
            print("file \(report.id) needed no repair")
        } else {
            print("rebuilt \(report.rebuilt) shards in \(report.segments) segments onto \(report.newHolders.count) "
                + "providers in " + String(format: "%.2f s", report.seconds))
        }
    }
}
