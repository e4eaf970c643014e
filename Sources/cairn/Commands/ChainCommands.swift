import ArgumentParser
import CairnAPI
import Foundation

/// `cairn chain ...`: the chain as the running peer sees it.
struct ChainCLICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain", abstract: "The chain through the running peer: status, blocks, transactions.",
        subcommands: [Status.self, ShowBlock.self, ShowTransaction.self, Submit.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Height, tip, validators and the voting power online, peers in sync.")
        @OptionGroup var options: APIOptions

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/chain/status", as: ChainStatusResponse.self)
            if options.json { return try printJSON(reply) }
            print(
                "height:       \(reply.height)"
                    + (reply.bestKnownHeight > reply.height ? " (best known \(reply.bestKnownHeight))" : ""))
            print("tip:          \(reply.tip)")
            print(
                "validators:   \(reply.validators), \(String(format: "%.0f%%", reply.votingPowerOnline * 100)) of the voting power signed the last block"
            )
            print("peers:        \(reply.peersInSync) in sync")
            print("mempool:      \(reply.mempool) transactions")
            print("this peer:    \(reply.isValidator ? "a validator" : "not a validator")")
            print("chain:        \(reply.chainID) (\(reply.token), \(reply.decimals) decimals)")
        }
    }

    struct ShowBlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "block", abstract: "A committed block by height or hash, with its transactions and commit.")
        @Argument(help: "A height, or a block hash (64 hex).") var reference: String
        @OptionGroup var options: APIOptions

        func validate() throws {
            let text = reference.trimmingCharacters(in: .whitespaces)
            guard UInt64(text) != nil || (text.count == 64 && text.allSatisfy(\.isHexDigit)) else {
                throw ValidationError("'\(reference)' is not a block: give a height or a block hash (64 hex)")
            }
        }

        func run() async throws {
            let ref = reference.trimmingCharacters(in: .whitespaces)
            let reply = try await options.client().json(.GET, "/api/v0/chain/blocks/\(ref)", as: BlockResponse.self)
            if options.json { return try printJSON(reply) }
            print("height:    \(reply.height)")
            print("hash:      \(reply.hash)")
            print("previous:  \(reply.previous)")
            print(
                "time:      \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(reply.timeMs) / 1000)))"
            )
            print("proposer:  \(reply.proposer)")
            print("commit:    round \(reply.commit.round), \(reply.commit.signers.count) signers")
            print("\(reply.transactions.count) transactions")
            if !reply.transactions.isEmpty {
                printTable(
                    ["HASH", "KIND", "SENDER", "NONCE", "AMOUNT", "FEE"], reply.transactions.map(transactionRow))
            }
        }
    }

    struct ShowTransaction: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tx", abstract: "A committed transaction by hash, with its block height and position.")
        @Argument(help: "The transaction hash (64 hex).") var hash: String
        @OptionGroup var options: APIOptions

        func validate() throws { _ = try parseKey(hash) }

        func run() async throws {
            let reply = try await options.client().json(
                .GET, "/api/v0/chain/transactions/\(try parseKey(hash).hex)", as: TransactionResponse.self)
            if options.json { return try printJSON(reply) }
            printTransaction(reply)
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a signed transaction (hex, as `cairn wallet transfer --sign-only` prints it).")
        @Argument(help: "The signed transaction in hexadecimal; - to read it from standard input.") var tx: String
        @OptionGroup var options: APIOptions

        func run() async throws {
            var text = tx
            if text == "-" { text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let reply = try await options.client().json(
                .POST, "/api/v0/chain/transactions", body: SubmitRequest(tx: text), as: SubmitResponse.self)
            if options.json { return try printJSON(reply) }
            print("submitted \(reply.hash)")
        }
    }
}

/// A transaction as a table row: hash, kind, sender, nonce, amount, fee.
func transactionRow(_ tx: TransactionResponse) -> [String] {
    var amount = tx.amountFormatted ?? "–"
    if let to = tx.to { amount += " → \(to.prefix(8))…" }
    return [
        String(tx.hash.prefix(16)) + "…", tx.kind, String(tx.sender.prefix(8)) + "…", "\(tx.nonce)", amount,
        tx.feeFormatted,
    ]
}

func printTransaction(_ tx: TransactionResponse) {
    print("hash:      \(tx.hash)")
    if let height = tx.height { print("block:     \(height), position \(tx.position ?? 0)") }
    print("kind:      \(tx.kind)")
    print("sender:    \(tx.sender)")
    print("nonce:     \(tx.nonce)")
    if let to = tx.to { print("to:        \(to)") }
    if let amount = tx.amountFormatted { print("amount:    \(amount)") }
    if let kind = tx.extensionKind { print("extension: kind \(kind), \(tx.payloadBytes ?? 0) bytes") }
    print("fee:       \(tx.feeFormatted)")
}

/// An amount argument as the API takes it: a decimal of tokens ("12.5"); checked for shape here, and against the
/// token's decimals by the peer.
func parseAmountArgument(_ text: String, _ name: String) throws -> AmountInput {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
    guard !trimmed.isEmpty, parts.count <= 2,
        parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
        parts.contains(where: { !$0.isEmpty })
    else {
        throw ValidationError("\(name) '\(text)' is not an amount: write tokens as a decimal number, e.g. 12 or 12.5")
    }
    return .tokens(trimmed)
}
