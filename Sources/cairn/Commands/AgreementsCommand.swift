import ArgumentParser
import CairnAPI
import Foundation

/// `cairn agreements ...`: this peer's storage agreements, as owner or as provider (issue 9 item 6).
struct AgreementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreements", abstract: "This peer's storage agreements, as owner or provider; end one.",
        subcommands: [List.self, End.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each agreement's file, slot, parties, proof record, payments and state.")
        @Option(help: "Every agreement of this file (its ID, 64 hex), whoever its parties, instead of this peer's.")
        var file: String?
        @OptionGroup var options: APIOptions

        func validate() throws {
            if let file { _ = try parseKey(file) }
        }

        func run() async throws {
            let path = "/api/v0/agreements" + (try file.map { "?file=\(try parseKey($0).hex)" } ?? "")
            let reply = try await options.client().json(.GET, path, as: AgreementsResponse.self)
            if options.json { return try printJSON(reply) }
            guard !reply.agreements.isEmpty else {
                return print(file == nil ? "no agreements" : "no agreements for this file")
            }
            print(tableText(agreementHeader, reply.agreements.map(agreementRow)), terminator: "")
            print("\(reply.agreements.count) agreements (amounts in base units)")
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End an agreement this peer owns; the unused escrow comes back.")
        @Argument(help: "The agreement's ID (64 hex).") var id: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(id) }

        func run() async throws {
            let reply = try await options.client().json(
                .POST, "/api/v0/agreements/\(try parseKey(id).hex)/end", as: SubmitResponse.self)
            printSubmission(reply, json: options.json)
        }
    }
}

/// `cairn renew ID [--epochs N]`: extends an agreement this peer owns.
struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew", abstract: "Extend an agreement this peer owns, locking the added epochs' price in escrow."
    )
    @Argument(help: "The agreement's ID (64 hex).") var id: String
    @Option(help: "Epochs to add, 1 to 1000000 (default: the network's default agreement length).") var epochs: UInt64?
    @OptionGroup var options: APIOptions

    func validate() throws {
        _ = try parseKey(id)
        if let epochs, !(1...1_000_000).contains(epochs) { throw ValidationError("--epochs must be 1 to 1000000") }
    }

    var path: String {
        get throws {
            "/api/v0/agreements/\(try parseKey(id).hex)/renew" + (epochs.map { "?epochs=\($0)" } ?? "")
        }
    }

    func run() async throws {
        let reply = try await options.client().json(.POST, try path, as: SubmitResponse.self)
        printSubmission(reply, json: options.json)
    }
}

let agreementHeader = ["ID", "FILE", "SLOT", "OWNER", "PROVIDER", "PROOFS OK", "MISSED", "PAID", "ESCROW", "STATE"]

/// An agreement as a table row; IDs shortened to their first 8 hex digits.
func agreementRow(_ agreement: AgreementResponse) -> [String] {
    [
        String(agreement.id.prefix(8)) + "…", String(agreement.file.prefix(8)) + "…", "\(agreement.slot)",
        String(agreement.owner.prefix(8)) + "…", String(agreement.provider.prefix(8)) + "…", "\(agreement.proofsOK)",
        "\(agreement.proofsMissed)", "\(agreement.paid)", "\(agreement.escrow)",
        agreement.state.replacingOccurrences(of: "_", with: " "),
    ]
}

/// A plain text table with left-aligned columns, as text (each line ends with a newline).
func tableText(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ") + "\n"
    }
    return ([header] + rows).map(line).joined()
}
