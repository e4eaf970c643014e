import ArgumentParser
import CairnAPI
import CairnChain
import CairnCrypto
import Foundation

/// `cairn wallet ...`: the running peer's own account, the key of its identity; the peer signs.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "The running peer's account: address, balance, transfers, history, faucet.",
        discussion: """
            The account is the peer identity's key, and the peer signs what these commands ask for; with \
            --keystore FILE (made by `cairn wallet new`) it is that key's, and the CLI signs.
            """,
        subcommands: [Address.self, Balance.self, Transfer.self, History.self, Faucet.self, New.self])

    struct Address: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "This peer's account address (64 hex).")
        @OptionGroup var keystore: KeystoreOption
        @OptionGroup var options: APIOptions

        func run() async throws {
            let address: String
            if let identity = try keystore.identity() {
                address = identity.publicKey.address
            } else {
                address = try await options.client().json(.GET, "/api/v0/wallet", as: WalletResponse.self).address
            }
            if options.json { return try printJSON(["address": address]) }
            print(address)
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Balance, stake and next nonce of this peer's account.")
        @OptionGroup var keystore: KeystoreOption
        @OptionGroup var options: APIOptions

        func run() async throws {
            let path =
                try keystore.identity().map { "/api/v0/chain/accounts/\($0.publicKey.address)" } ?? "/api/v0/wallet"
            let reply = try await options.client().json(.GET, path, as: WalletResponse.self)
            if options.json { return try printJSON(reply) }
            print("address:    \(reply.address)")
            print("balance:    \(reply.balanceFormatted)")
            print("stake:      \(reply.stakeFormatted)")
            print("next nonce: \(reply.nextNonce)")
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send tokens from this peer's account to another.",
            discussion: "AMOUNT and --fee are in tokens (e.g. 12.5); the fee defaults to the chain's minimum.")
        @Argument(help: "The recipient's address (64 hex).") var to: String
        @Argument(help: "Tokens to send, e.g. 12.5.") var amount: String
        @Option(help: "The fee in tokens (default: the chain's minimum fee).") var fee: String?
        @Flag(help: "Sign and print the transaction (hex) without submitting it; `cairn chain submit` sends it.")
        var signOnly = false
        @OptionGroup var keystore: KeystoreOption
        @OptionGroup var options: APIOptions

        func validate() throws {
            do {
                _ = try PublicKey(address: to.trimmingCharacters(in: .whitespaces))
            } catch {
                throw ValidationError("\(error)")
            }
            _ = try parseAmountArgument(amount, "AMOUNT")
            if let fee { _ = try parseAmountArgument(fee, "--fee") }
        }

        func run() async throws {
            if let identity = try keystore.identity() {
                let recipient = try PublicKey(address: to.trimmingCharacters(in: .whitespaces))
                let client = try options.client()
                let signed = try await signLocally(identity, client: client, fee: fee) { status in
                    .transfer(to: recipient, amount: try tokens(amount, "AMOUNT", decimals: status.decimals))
                }
                return try await submitLocallySigned(signed, client: client, signOnly: signOnly, json: options.json)
            }
            let request = TransferRequest(
                to: to.trimmingCharacters(in: .whitespaces), amount: try parseAmountArgument(amount, "AMOUNT"),
                fee: try fee.map { try parseAmountArgument($0, "--fee") })
            let reply = try await options.client().json(
                .POST, "/api/v0/wallet/transfer" + (signOnly ? "?sign_only=true" : ""), body: request,
                as: SubmitResponse.self)
            if options.json { return try printJSON(reply) }
            if signOnly, let tx = reply.tx {
                print(tx)
                return
            }
            print("submitted \(reply.hash) (nonce \(reply.nonce.map(String.init) ?? "?"))")
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Committed transactions that involve this peer's account, newest first.")
        @Option(help: "At most this many (1-1000).") var limit: Int = 20
        @OptionGroup var options: APIOptions

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        }

        func run() async throws {
            let reply = try await options.client().json(
                .GET, "/api/v0/wallet/history?limit=\(limit)", as: HistoryResponse.self)
            if options.json { return try printJSON(reply) }
            printTable(
                ["HEIGHT", "HASH", "KIND", "SENDER", "NONCE", "AMOUNT", "FEE"],
                reply.transactions.map {
                    ["\($0.height ?? 0)"] + transactionRow($0)
                })
            print("\(reply.transactions.count) transactions")
        }
    }

    struct Faucet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the test network's faucet for tokens (once per account per cooldown).")
        @OptionGroup var keystore: KeystoreOption
        @OptionGroup var options: APIOptions

        func run() async throws {
            if let identity = try keystore.identity() {
                let client = try options.client()
                let signed = try await signLocally(identity, client: client, fee: nil) { _ in .faucet }
                return try await submitLocallySigned(signed, client: client, signOnly: false, json: options.json)
            }
            let reply = try await options.client().json(.POST, "/api/v0/wallet/faucet", as: SubmitResponse.self)
            if options.json { return try printJSON(reply) }
            print("submitted \(reply.hash): the faucet's tokens arrive when it is committed")
        }
    }
}

extension WalletCommand {
    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a wallet key apart from the peer's identity, sealed with a passphrase (Argon2id).",
            discussion: "The passphrase is read from CAIRN_PASSPHRASE, or asked for twice on the terminal.")
        @Option(help: "The keystore file to write (mode 0600; never overwritten).") var keystore: String
        @Flag(help: "Print JSON for scripts instead of text.") var json = false

        func run() async throws {
            let identity = try WalletKeystore(path: keystore).create(passphrase: readPassphrase(confirm: true))
            if json { return try printJSON(["address": identity.publicKey.address, "keystore": keystore]) }
            print("address:  \(identity.publicKey.address)")
            print("keystore: \(keystore) (keep it and its passphrase: without both the account is lost)")
        }
    }
}

/// Prints a transaction the CLI signed (`--sign-only`), or submits it through the peer.
func submitLocallySigned(_ signed: SignedTransaction, client: APIClient, signOnly: Bool, json: Bool) async throws {
    let hex = hexString(signed.encoded)
    if signOnly {
        let reply = SubmitResponse(hash: signed.hash.hex, accepted: false, tx: hex, nonce: signed.transaction.nonce)
        return json ? try printJSON(reply) : print(hex)
    }
    var reply = try await client.json(
        .POST, "/api/v0/chain/transactions", body: SubmitRequest(tx: hex), as: SubmitResponse.self)
    reply.nonce = signed.transaction.nonce
    if json { return try printJSON(reply) }
    print("submitted \(reply.hash) (nonce \(signed.transaction.nonce))")
}

/// `cairn validator ...`: stake of this peer's account, and the validator set.
struct ValidatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validator", abstract: "Bond or unbond this peer's stake; list the validators.",
        subcommands: [Bond.self, Unbond.self, List.self])

    /// The body of a bond or unbond: the amount and the optional fee, parsed (throws a `ValidationError`).
    static func request(amount: String, fee: String?) throws -> AmountRequest {
        AmountRequest(
            amount: try parseAmountArgument(amount, "AMOUNT"), fee: try fee.map { try parseAmountArgument($0, "--fee") })
    }

    /// Sends `POST /api/v0/validator/{action}` (bond or unbond).
    static func submit(_ action: String, amount: String, fee: String?, options: APIOptions) async throws
        -> SubmitResponse
    {
        try await options.client().json(
            .POST, "/api/v0/validator/\(action)", body: try request(amount: amount, fee: fee), as: SubmitResponse.self)
    }

    struct Bond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move tokens from balance to stake; the chain's minimum stake makes this peer a validator.")
        @Argument(help: "Tokens to bond, e.g. 1000.") var amount: String
        @Option(help: "The fee in tokens (default: the chain's minimum fee).") var fee: String?
        @OptionGroup var options: APIOptions

        func validate() throws {
            _ = try ValidatorCommand.request(amount: amount, fee: fee)
        }

        func run() async throws {
            let reply = try await ValidatorCommand.submit("bond", amount: amount, fee: fee, options: options)
            if options.json { return try printJSON(reply) }
            print("submitted \(reply.hash): the stake counts from the block after it is committed")
        }
    }

    struct Unbond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take tokens out of stake; they return to the balance after the unbonding delay.")
        @Argument(help: "Tokens to unbond, e.g. 500.") var amount: String
        @Option(help: "The fee in tokens (default: the chain's minimum fee).") var fee: String?
        @OptionGroup var options: APIOptions

        func validate() throws {
            _ = try ValidatorCommand.request(amount: amount, fee: fee)
        }

        func run() async throws {
            let reply = try await ValidatorCommand.submit("unbond", amount: amount, fee: fee, options: options)
            if options.json { return try printJSON(reply) }
            print("submitted \(reply.hash)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The validators of the next height and their power.")
        @OptionGroup var options: APIOptions

        func run() async throws {
            let reply = try await options.client().json(.GET, "/api/v0/validators", as: ValidatorsResponse.self)
            if options.json { return try printJSON(reply) }
            printTable(["KEY", "PEER", "POWER"], reply.validators.map { [$0.key, $0.peerID, $0.powerFormatted] })
            print("\(reply.validators.count) validators, \(reply.totalPowerFormatted) in all")
        }
    }
}
