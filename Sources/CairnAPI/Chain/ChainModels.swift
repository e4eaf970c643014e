import Foundation

// The JSON bodies of the chain's routes (`/api/v0/chain/...`, `/api/v0/wallet...`, `/api/v0/validator...`). Amounts
// are integers of base units, the only exact form; each has a `…_formatted` companion in tokens with the
// token's symbol ("12.5 CRN"), for people. The CLI decodes these very types.

/// `GET /api/v0/chain/status`.
public struct ChainStatusResponse: Codable, Sendable {
    public var height: UInt64
    public var tip: String
    public var validators: Int
    /// The share (0–1) of the voting power that signed the last block this peer committed.
    public var votingPowerOnline: Double
    public var peersInSync: Int
    public var chainID: String
    public var bestKnownHeight: UInt64
    public var isValidator: Bool
    /// Transactions waiting in this peer's mempool.
    public var mempool: Int
    public var token: String
    public var decimals: UInt8
    /// The smallest fee a transaction may carry, in base units: what a client that signs itself pays by default.
    public var minFee: UInt64

    enum CodingKeys: String, CodingKey {
        case height, tip, validators, mempool, token, decimals
        case minFee = "min_fee"
        case votingPowerOnline = "voting_power_online"
        case peersInSync = "peers_in_sync"
        case chainID = "chain_id"
        case bestKnownHeight = "best_known_height"
        case isValidator = "is_validator"
    }
}

/// One signed transaction as the API shows it; `height` and `position` once committed.
public struct TransactionResponse: Codable, Sendable {
    public var hash: String
    public var sender: String
    public var nonce: UInt64
    public var fee: UInt64
    public var feeFormatted: String
    /// `transfer`, `bond`, `unbond`, `faucet` or `extension`.
    public var kind: String
    /// A transfer's recipient.
    public var to: String?
    /// A transfer's, bond's or unbond's amount.
    public var amount: UInt64?
    public var amountFormatted: String?
    /// An extension transaction's kind number and payload size.
    public var extensionKind: UInt16?
    public var payloadBytes: Int?
    public var height: UInt64?
    public var position: Int?

    enum CodingKeys: String, CodingKey {
        case hash, sender, nonce, fee, kind, to, amount, height, position
        case feeFormatted = "fee_formatted"
        case amountFormatted = "amount_formatted"
        case extensionKind = "extension_kind"
        case payloadBytes = "payload_bytes"
    }
}

/// `GET /api/v0/chain/blocks/{ref}`.
public struct BlockResponse: Codable, Sendable {
    public struct CommitInfo: Codable, Sendable {
        public var round: UInt32
        /// The signers' positions in the validator set of the block's height.
        public var signers: [UInt16]
    }

    public var height: UInt64
    public var hash: String
    public var previous: String
    public var timeMs: UInt64
    public var proposer: String
    public var transactions: [TransactionResponse]
    public var commit: CommitInfo

    enum CodingKeys: String, CodingKey {
        case height, hash, previous, proposer, transactions, commit
        case timeMs = "time_ms"
    }
}

/// `GET /api/v0/chain/blocks?limit=N`: the newest committed blocks, newest first, without their transactions.
public struct BlockListResponse: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public var height: UInt64
        public var hash: String
        public var timeMs: UInt64
        public var proposer: String
        public var transactions: Int
        public var signers: Int

        enum CodingKeys: String, CodingKey {
            case height, hash, proposer, transactions, signers
            case timeMs = "time_ms"
        }
    }

    public var blocks: [Summary]
}

/// What a submission, a transfer, a faucet request, a bond or an unbond returns: the transaction's hash and
/// whether this peer's mempool took it; with `sign_only`, the signed transaction's hex instead.
public struct SubmitResponse: Codable, Sendable {
    public var hash: String
    public var accepted: Bool
    /// The signed transaction (hex), for `cairn chain submit` elsewhere or later.
    public var tx: String?
    public var nonce: UInt64?

    public init(hash: String, accepted: Bool, tx: String?, nonce: UInt64?) {
        self.hash = hash
        self.accepted = accepted
        self.tx = tx
        self.nonce = nonce
    }
}

/// `GET /api/v0/wallet`: this peer's account (its identity's key); `GET /api/v0/chain/accounts/{address}`: any.
public struct WalletResponse: Codable, Sendable {
    public var address: String
    public var balance: UInt64
    public var balanceFormatted: String
    public var stake: UInt64
    public var stakeFormatted: String
    public var nextNonce: UInt64

    enum CodingKeys: String, CodingKey {
        case address, balance, stake
        case balanceFormatted = "balance_formatted"
        case stakeFormatted = "stake_formatted"
        case nextNonce = "next_nonce"
    }
}

/// `GET /api/v0/wallet/history`: committed transactions involving the account, newest first.
public struct HistoryResponse: Codable, Sendable {
    public var address: String
    public var transactions: [TransactionResponse]
}

/// `GET /api/v0/validators`: the validator set of the next height.
public struct ValidatorsResponse: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        /// The validator's account key (its address).
        public var key: String
        public var peerID: String
        public var power: UInt64
        public var powerFormatted: String

        enum CodingKeys: String, CodingKey {
            case key, power
            case peerID = "peer_id"
            case powerFormatted = "power_formatted"
        }
    }

    public var validators: [Entry]
    public var totalPower: UInt64
    public var totalPowerFormatted: String

    enum CodingKeys: String, CodingKey {
        case validators
        case totalPower = "total_power"
        case totalPowerFormatted = "total_power_formatted"
    }
}

/// `POST /api/v0/wallet/transfer`'s body.
public struct TransferRequest: Codable, Sendable {
    public var to: String
    public var amount: AmountInput
    public var fee: AmountInput?

    public init(to: String, amount: AmountInput, fee: AmountInput?) {
        self.to = to
        self.amount = amount
        self.fee = fee
    }

    enum CodingKeys: String, CodingKey { case to, amount, fee }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        to = try container.decode(String.self, forKey: .to)
        amount = try container.decode(AmountInput.self, forKey: .amount)
        fee = try container.decodeFee(forKey: .fee)
    }
}

/// `POST /api/v0/validator/bond` and `/unbond`'s body.
public struct AmountRequest: Codable, Sendable {
    public var amount: AmountInput
    public var fee: AmountInput?

    public init(amount: AmountInput, fee: AmountInput? = nil) {
        self.amount = amount
        self.fee = fee
    }

    enum CodingKeys: String, CodingKey { case amount, fee }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        amount = try container.decode(AmountInput.self, forKey: .amount)
        fee = try container.decodeFee(forKey: .fee)
    }
}

extension KeyedDecodingContainer {
    /// An optional fee: absent means the chain's minimum; `null` is refused rather than read as absent, so that
    /// the body means one thing.
    func decodeFee(forKey key: Key) throws -> AmountInput? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "leave the fee out for the minimum fee, rather than null")
        }
        return try decode(AmountInput.self, forKey: key)
    }
}

/// `POST /api/v0/chain/transactions`'s JSON body (a bare hex body is taken too).
public struct SubmitRequest: Codable, Sendable {
    public var tx: String

    public init(tx: String) { self.tx = tx }
}

/// An amount as a request gives it: a decimal string in tokens ("12.5"), or an integer of base units.
public enum AmountInput: Codable, Sendable, Hashable {
    case tokens(String)
    case baseUnits(UInt64)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let units = try? container.decode(UInt64.self) {
            self = .baseUnits(units)
        } else if let text = try? container.decode(String.self) {
            self = .tokens(text)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "an amount is a decimal string of tokens (\"12.5\") or an integer of base units")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .tokens(let text): try container.encode(text)
        case .baseUnits(let units): try container.encode(units)
        }
    }
}
