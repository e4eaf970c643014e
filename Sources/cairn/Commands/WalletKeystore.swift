import ArgumentParser
import CairnAPI
import CairnChain
import CairnCrypto
import Foundation

/// A wallet key apart from the peer's identity: an Ed25519 seed sealed with a passphrase (Argon2id and
/// XChaCha20-Poly1305, `PassphraseBox`) in a file of mode 0600. The CLI signs with it itself and hands the peer
/// only signed transactions, so the key never reaches the peer, and the API token alone cannot spend from it.
struct WalletKeystore {
    let path: String

    /// Makes a new key and seals it at `path`, which must not exist.
    func create(passphrase: String) throws -> Identity {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CLIError("\(path) exists already; a keystore is never overwritten")
        }
        let identity = Identity.generate()
        let sealed = PassphraseBox.seal(identity.seed, passphrase: passphrase)
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(sealed), attributes: [.posixPermissions: 0o600])
        else { throw CLIError("cannot write the keystore \(path)") }
        return identity
    }

    /// Opens the keystore with `passphrase`.
    func open(passphrase: String) throws -> Identity {
        guard let sealed = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the keystore \(path); make one with `cairn wallet new --keystore \(path)`")
        }
        let seed: [UInt8]
        do {
            seed = try PassphraseBox.open(Array(sealed), passphrase: passphrase)
        } catch {
            throw CLIError("cannot open the keystore \(path): \(error)")
        }
        guard let identity = Identity(seed: seed) else { throw CLIError("\(path) does not hold a wallet key") }
        return identity
    }
}

/// `--keystore FILE`: act as the account of a passphrase-protected keystore instead of the peer's identity.
struct KeystoreOption: ParsableArguments {
    @Option(
        help: """
            A wallet keystore (from `cairn wallet new`) to act as instead of the peer's identity; its passphrase \
            is read from CAIRN_PASSPHRASE or asked for. The CLI signs; the peer only relays.
            """)
    var keystore: String?

    func identity() throws -> Identity? {
        guard let keystore else { return nil }
        return try WalletKeystore(path: keystore).open(passphrase: readPassphrase(confirm: false))
    }
}

/// Signs a transaction of `identity` here, at its account's next nonce as the peer counts it, for the chain the
/// peer runs.
func signLocally(
    _ identity: Identity, client: APIClient, fee: String?,
    kind: (ChainStatusResponse) throws -> TransactionKind
) async throws -> SignedTransaction {
    let status = try await client.json(.GET, "/api/v0/chain/status", as: ChainStatusResponse.self)
    let account = try await client.json(
        .GET, "/api/v0/chain/accounts/\(identity.publicKey.address)", as: WalletResponse.self)
    guard let chain = Key256(hex: status.chainID) else { throw CLIError("the peer named no chain ID") }
    let tx = Transaction(
        chainID: ChainID(chain), sender: identity.publicKey, nonce: account.nextNonce,
        fee: try fee.map { try tokens($0, "--fee", decimals: status.decimals) } ?? Amount(status.minFee),
        kind: try kind(status))
    return SignedTransaction(signing: tx, with: identity)
}

/// Tokens as a decimal at the chain's decimals, in base units.
func tokens(_ text: String, _ name: String, decimals: UInt8) throws -> Amount {
    do {
        return try Amount(parsing: text.trimmingCharacters(in: .whitespaces), decimals: decimals)
    } catch {
        throw CLIError("\(name): \(error)")
    }
}

/// Lowercase hexadecimal.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
