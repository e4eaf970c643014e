import ArgumentParser
import CairnAPI
import CairnPeer
import Foundation

/// `cairn provider ...`: this peer as a storage provider in the market (DESIGN.md §9, issue 9 item 6). The peer
/// signs with its identity, whose account pays the stake and receives the earnings.
struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Register, update or withdraw this peer as a storage provider; its standing.",
        discussion: """
            SIZE is bytes or a size such as 10GiB or 500MB; AMOUNT is tokens as a decimal number, e.g. 0.01. The \
            price is per GiB stored per epoch; the stake is locked while the provider has agreements, and misses \
            are paid from it.
            """,
        subcommands: [Register.self, Update.self, Withdraw.self, Status.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Offer capacity at a price, locking a stake (at least the network's minimum).")
        @Option(help: "Bytes offered, e.g. 10GiB.") var capacity: String
        @Option(help: "Tokens per GiB per epoch, e.g. 0.01.") var price: String
        @Option(help: "Tokens to lock as stake, e.g. 100.") var stake: String
        @OptionGroup var options: APIOptions

        func request() throws -> ProviderRequest {
            ProviderRequest(
                capacity: .bytes(try parseSizeArgument(capacity, "--capacity")),
                price: try parseAmountArgument(price, "--price"), stake: try parseAmountArgument(stake, "--stake"))
        }

        func validate() throws { _ = try request() }

        func run() async throws {
            let reply = try await options.client().json(
                .POST, "/api/v0/provider/register", body: try request(), as: SubmitResponse.self)
            printSubmission(reply, json: options.json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the capacity or price, or add stake (what is not given stays as registered).")
        @Option(help: "Bytes offered, e.g. 10GiB.") var capacity: String?
        @Option(help: "Tokens per GiB per epoch, e.g. 0.01.") var price: String?
        @Option(help: "Tokens to add to the stake, e.g. 50.") var stake: String?
        @OptionGroup var options: APIOptions

        func request() throws -> ProviderRequest {
            ProviderRequest(
                capacity: try capacity.map { .bytes(try parseSizeArgument($0, "--capacity")) },
                price: try price.map { try parseAmountArgument($0, "--price") },
                stake: try stake.map { try parseAmountArgument($0, "--stake") })
        }

        func validate() throws {
            guard capacity != nil || price != nil || stake != nil else {
                throw ValidationError("give at least one of --capacity, --price and --stake")
            }
            _ = try request()
        }

        func run() async throws {
            let reply = try await options.client().json(
                .POST, "/api/v0/provider/update", body: try request(), as: SubmitResponse.self)
            printSubmission(reply, json: options.json)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take no new agreement; the stake returns once this provider's agreements have ended.")
        @OptionGroup var options: APIOptions

        func run() async throws {
            let reply = try await options.client().json(.POST, "/api/v0/provider/withdraw", as: SubmitResponse.self)
            printSubmission(reply, json: options.json)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stake, score, proof record and warnings, before any penalty; each agreement's record.")
        @OptionGroup var options: APIOptions

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/provider", as: ProviderStatusResponse.self)
            if options.json { return try printJSON(reply) }
            print(Self.text(reply), terminator: "")
        }

        /// The human report, one fact a line, the agreements as a table and the warnings as sentences.
        static func text(_ reply: ProviderStatusResponse) -> String {
            guard reply.registered else {
                return """
                    not registered as a provider (height \(reply.height)); register with
                      cairn provider register --capacity SIZE --price AMOUNT --stake AMOUNT
                    (the stake must be at least \(reply.minStakeFormatted); the balance is \(reply.balanceFormatted))

                    """
            }
            var out = ""
            let online = reply.online ? "online" : "offline"
            out += "status:      \(reply.status), \(online) (height \(reply.height), epoch \(reply.epoch); "
                + "last seen on chain in epoch \(reply.lastActiveEpoch))\n"
            out += "stake:       \(reply.stakeFormatted) (minimum \(reply.minStakeFormatted))\n"
            out += "score:       \(String(format: "%.1f%%", reply.score * 100)) of settled epochs proved\n"
            out += "proofs:      \(reply.proofsOK) ok, \(reply.proofsMissed) missed, \(reply.proofsInvalid) invalid\n"
            out += "capacity:    \(byteText(reply.used)) used of \(byteText(reply.capacity))\n"
            out += "price:       \(reply.priceFormatted) per GiB per epoch\n"
            out += "earnings:    \(reply.earningsFormatted) (penalties \(reply.penaltiesFormatted))\n"
            out += "agreements:  \(reply.agreements) open\n"
            if !reply.held.isEmpty {
                out += "\n" + tableText(agreementHeader, reply.held.map(agreementRow))
            }
            if reply.warnings.isEmpty {
                out += "\nno warnings\n"
            } else {
                out += "\nwarnings:\n" + reply.warnings.map { "  - \($0)\n" }.joined()
            }
            return out
        }
    }
}

/// A SIZE argument in bytes (10GiB, 500MB, 4096); a `ValidationError` a person understands otherwise.
func parseSizeArgument(_ text: String, _ name: String) throws -> UInt64 {
    guard let bytes = ByteSize.parse(text) else {
        throw ValidationError("\(name) '\(text)' is not a size: write e.g. 10GiB, 512MiB, 1.5GB or 4096 (bytes)")
    }
    return bytes
}

/// What a market submission prints: the hash and that the peer's mempool took it (a refusal is thrown before,
/// with the ledger's reason).
func printSubmission(_ reply: SubmitResponse, json: Bool) {
    if json {
        try? printJSON(reply)
        return
    }
    print("\(reply.hash): accepted; committed in the next block")
}

/// Bytes in binary units: "1.0 GiB".
func byteText(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
}
