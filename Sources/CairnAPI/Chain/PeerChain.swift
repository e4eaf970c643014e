import CairnChain
import CairnCrypto
import CairnNet
import CairnPeer
import CairnWire
import NIOCore

/// The running peer's chain as the API uses it: questions and submissions go to the machine (`ChainCommand`),
/// committed blocks are read from the peer's `ChainStore`. It decides nothing: every rule is `ChainMachine`'s,
/// and a refusal comes back with the machine's own sentence.
struct PeerChain: Sendable {
    let peer: NetworkPeer

    /// The chain's parameters; 503 on a network without a chain.
    func params() throws(APIError) -> ChainParameters {
        guard let params = peer.parameters.chain else {
            throw APIError(.serviceUnavailable, "this network has no chain (its genesis has no chain section)")
        }
        return params
    }

    /// The committed blocks; 503 on a peer that does not keep the chain.
    func store() throws(APIError) -> ChainStore {
        guard let disk = peer.chainDisk else {
            throw APIError(.serviceUnavailable, "this peer does not keep the chain")
        }
        return disk.store
    }

    func perform(_ command: ChainCommand) async throws -> ChainCommandResult {
        switch try await peer.perform(.chain(command)) {
        case .chain(let result): return result
        case .failed(let reason): throw APIError(.serviceUnavailable, reason)
        default: throw APIError(.internalServerError, "the peer answered a chain command with something else")
        }
    }

    func status() async throws -> ChainStatus {
        guard case .status(let status) = try await perform(.status) else { throw Self.unexpected }
        return status
    }

    func account(_ key: PublicKey) async throws -> ChainAccount {
        guard case .account(let account) = try await perform(.account(key)) else { throw Self.unexpected }
        return account
    }

    func validators() async throws -> [Validator] {
        guard case .validators(let validators) = try await perform(.validators) else { throw Self.unexpected }
        return validators
    }

    func pending(_ hash: Key256) async throws -> SignedTransaction? {
        guard case .pending(let tx) = try await perform(.pending(hash)) else { throw Self.unexpected }
        return tx
    }

    /// Submits signed bytes; the machine's refusal becomes 400 (bytes that are no transaction), 422 (a
    /// transaction the ledger refuses: replay, forged signature, funds…) or 503 (a full mempool).
    func submit(_ bytes: [UInt8]) async throws -> Key256 {
        guard case .submitted(let result) = try await perform(.submit(bytes)) else { throw Self.unexpected }
        switch result {
        case .success(let hash):
            return hash
        case .failure(.undecodable(let what)):
            throw APIError(.badRequest, "the transaction does not decode: \(what)")
        case .failure(.refused(.full(let count, let bytes, let fee))):
            throw APIError(
                .serviceUnavailable, "\(MempoolRejection.full(count: count, bytes: bytes, lowestFee: fee))")
        case .failure(.refused(let reason)):
            throw APIError(.unprocessableContent, "the transaction was refused: \(reason)")
        }
    }

    /// Signs `kind` with this peer's identity at its account's next nonce.
    func sign(_ kind: TransactionKind, fee: Amount?) async throws -> SignedTransaction {
        let params = try params()
        let identity = peer.identity
        let account = try await account(identity.publicKey)
        let tx = Transaction(
            chainID: peer.parameters.chainID, sender: identity.publicKey, nonce: account.nextNonce,
            fee: fee ?? params.minFee, kind: kind)
        return SignedTransaction(signing: tx, with: identity)
    }

    /// Signs `kind` and, unless `signOnly`, submits it.
    func signAndSubmit(_ kind: TransactionKind, fee: Amount?, signOnly: Bool = false) async throws -> SubmitResponse {
        let signed = try await sign(kind, fee: fee)
        if signOnly {
            return SubmitResponse(
                hash: signed.hash.hex, accepted: false, tx: Hex.encode(signed.encoded), nonce: signed.transaction.nonce)
        }
        let hash = try await submit(signed.encoded)
        return SubmitResponse(hash: hash.hex, accepted: true, tx: nil, nonce: signed.transaction.nonce)
    }

    // MARK: Committed blocks

    /// The committed block at `height` with its commit, or nil.
    func block(at height: UInt64) throws -> (Block, Commit)? {
        try store().block(at: height).map(decode)
    }

    func block(hash: Key256) throws -> (Block, Commit)? {
        try store().block(hash: hash).map(decode)
    }

    /// The committed transaction `hash` and where it is, or nil.
    func transaction(_ hash: Key256) throws -> (SignedTransaction, TransactionLocation)? {
        guard let location = try store().transaction(hash: hash) else { return nil }
        return try transaction(at: location)
    }

    func transaction(at location: TransactionLocation) throws -> (SignedTransaction, TransactionLocation)? {
        guard let block = try block(at: location.height)?.0, block.transactions.indices.contains(location.position)
        else { return nil }
        return (block.transactions[location.position], location)
    }

    /// The committed transactions involving `key`, newest first.
    func history(of key: PublicKey, limit: Int) throws -> [(SignedTransaction, TransactionLocation)] {
        try store().history(of: key.bytes, limit: limit).compactMap { try transaction(at: $0) }
    }

    private func decode(_ stored: StoredBlock) throws -> (Block, Commit) {
        do {
            let block = try Block(decoding: stored.body, params: try params())
            var buffer = ByteBuffer(bytes: stored.commit)
            guard let commit = try buffer.readCommit() else { throw WireError.truncated(reading: "commit") }
            return (block, commit)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(
                .internalServerError,
                "stored block \(stored.height) does not decode (\(error)); the chain store is damaged")
        }
    }

    private static var unexpected: APIError {
        APIError(.internalServerError, "the chain answered a command with another kind of result")
    }
}

/// Lowercase hexadecimal text of bytes, and back.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil unless `text` is an even number of hexadecimal digits (either case).
    static func decode(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
