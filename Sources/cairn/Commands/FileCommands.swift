import ArgumentParser
import CairnAPI
import CairnCrypto
import CairnNet
import CairnStorage
import Foundation

struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a file: encrypted here, erasure-coded across providers. Prints its ID and read capability.")

    @Argument(help: "The file to store; - for standard input (a pipe or FIFO is streamed to its end).") var file: String
    @Option(help: "Name to record (default: the file's name).") var name: String?
    @Option(help: "Shards needed to rebuild a segment (default from the network parameters).") var k: Int?
    @Option(help: "Shards made per segment, on n distinct providers.") var n: Int?
    @Option(
        name: .customLong("max-price"),
        help: "Highest price for the storage agreements, tokens per GiB per epoch (e.g. 0.5; default: any).")
    var maxPrice: String?
    @Option(help: "Epochs the storage agreements run (default: the network's).") var epochs: UInt64?
    @OptionGroup var options: APIOptions

    func validate() throws {
        if let k, k < 1 { throw ValidationError("--k must be at least 1") }
        if let n, let k, n <= k { throw ValidationError("--n must be larger than --k") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let maxPrice, maxPrice.isEmpty || !maxPrice.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw ValidationError("--max-price '\(maxPrice.prefix(40))' is not a decimal amount such as 0.5")
        }
    }

    func run() async throws {
        let source = try UploadSource(path: file)
        var query = "name=\(percentEncoded(name ?? source.defaultName))"
        if let k { query += "&k=\(k)" }
        if let n { query += "&n=\(n)" }
        if let maxPrice { query += "&max_price=\(maxPrice)" }
        if let epochs { query += "&epochs=\(epochs)" }
        let result = try await options.client().upload(
            source, to: "/api/v0/files?\(query)", progress: Progress.ifTerminal("put", total: source.size),
            as: PutResult.self)
        if options.json { return try printJSON(result) }
        print("name: \(TerminalText.escaped(result.name))")
        print("id:   \(result.id)")
        print("cap:  \(result.cap)")
        print("size: \(result.size) bytes, \(result.k)-of-\(result.n) over \(result.providers) providers, "
            + String(format: "%.2f s (%.1f MB/s)", result.seconds, Double(result.size) / max(result.seconds, 1e-6) / 1e6))
        if let transaction = result.agreementsTransaction {
            print("agreements: \(result.agreements.count) opened in transaction \(transaction)")
        }
        if let note = result.agreementsNote { print("agreements: \(TerminalText.escaped(note))") }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the files this peer's identity stored.")
    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/files", as: FileListResponse.self)
        if options.json { return try printJSON(reply) }
        printTable(["NAME", "SIZE", "ID", "CREATED"], reply.files.map {
            [TerminalText.escaped($0.name), "\($0.size)", $0.id, $0.created]
        })
        print("\(reply.files.count) files")
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete a file you own from every provider (they check your signature).")
    @Argument(help: "File ID (or a read capability of the file).") var id: String
    @OptionGroup var options: APIOptions

    func validate() throws { _ = try parseFileID(id) }

    func run() async throws {
        let reply = try await options.client().json(
            .DELETE, "/api/v0/files/\(try parseFileID(id).hex)", as: RemoveResult.self)
        if options.json { return try printJSON(reply) }
        print("deleted \(reply.id): \(reply.deletedShards) shards removed from their providers")
        if reply.agreementsEnded > 0 {
            // Providers keep the shards they are paid for until the end commits, so as not to miss a proof.
            print("agreements: \(reply.agreementsEnded) ended (unused escrow refunded); their providers drop the "
                + "shards once the end is committed")
        }
        if let note = reply.agreementsNote { print("agreements: \(TerminalText.escaped(note))") }
    }
}

struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Grant another peer's identity read access to a file you own.")
    @Argument(help: "File ID (or a read capability of the file).") var id: String
    @Option(help: "The grantee's PeerID.") var to: String
    @OptionGroup var options: APIOptions

    func validate() throws {
        _ = try parseFileID(id)
        _ = try parseKey(to)
    }

    func run() async throws {
        let reply = try await options.client().json(
            .POST, "/api/v0/files/\(try parseFileID(id).hex)/share?to=\(try parseKey(to).hex)", as: ShareResult.self)
        if options.json { return try printJSON(reply) }
        print("shared \(reply.id) with \(reply.to) (grant kept by \(reply.storedAt) peers)")
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Storage used and free on this peer.")
    @OptionGroup var options: APIOptions

    func run() async throws {
        let reply = try await options.client().json(.GET, "/api/v0/status", as: StatusResponse.self)
        if options.json { return try printJSON(reply) }
        print("peer:     \(reply.id)")
        print("capacity: \(Progress.size(reply.capacity))")
        print("used:     \(Progress.size(reply.used)) in \(reply.shards) shards")
        let free = reply.free ?? (reply.capacity > reply.used ? reply.capacity - reply.used : 0)
        print("free:     \(Progress.size(free))")
        print("files:    \(reply.files) stored by this peer's identity")
    }
}

func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?/#"))) ?? text
}

/// A file's ID from an ID or a capability, through the parser every entry point shares.
func parseFileID(_ text: String) throws -> Key256 {
    do {
        return try FileReference(parsing: text).fileID
    } catch {
        throw ValidationError("\(error)")
    }
}
