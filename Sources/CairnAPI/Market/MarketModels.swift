import Foundation

// The JSON bodies of the storage market's routes (`/api/v0/provider...`, `/api/v0/agreements...`). Amounts are
// integers of base units; the provider's have a `…_formatted` companion in tokens ("12.5 CRN"), for people. The
// CLI decodes these very types.

/// One storage agreement (`GET /api/v0/agreements`, and a provider's in `GET /api/v0/provider`).
public struct AgreementResponse: Codable, Sendable, Hashable {
    public var id: String
    /// The owner's and the provider's account addresses (64 hex).
    public var owner: String
    public var provider: String
    public var file: String
    public var slot: UInt16
    public var proofsOK: UInt64
    public var proofsMissed: UInt64
    /// Base units released for proved epochs (the settling proposer's share included).
    public var paid: UInt64
    /// Base units left in escrow.
    public var escrow: UInt64
    /// `active`, `repair_needed`, `ended` or `expired`.
    public var state: String

    public init(
        id: String, owner: String, provider: String, file: String, slot: UInt16, proofsOK: UInt64,
        proofsMissed: UInt64, paid: UInt64, escrow: UInt64, state: String
    ) {
        self.id = id
        self.owner = owner
        self.provider = provider
        self.file = file
        self.slot = slot
        self.proofsOK = proofsOK
        self.proofsMissed = proofsMissed
        self.paid = paid
        self.escrow = escrow
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, owner, provider, file, slot, paid, escrow, state
        case proofsOK = "proofs_ok"
        case proofsMissed = "proofs_missed"
    }
}

/// `GET /api/v0/agreements[?file=ID]`: this peer's agreements, as owner or as provider.
public struct AgreementsResponse: Codable, Sendable {
    public var agreements: [AgreementResponse]
}

/// `GET /api/v0/provider`: this peer as a storage provider, as it reads its standing before any penalty
/// (DESIGN.md §9). An unregistered peer has `registered: false` and zeros.
public struct ProviderStatusResponse: Codable, Sendable {
    public var registered: Bool
    /// `active`, `withdrawing`, or `unregistered`.
    public var status: String
    /// This peer's account (64 hex).
    public var address: String
    public var stake: UInt64
    public var stakeFormatted: String
    /// The stake a provider needs to take new agreements.
    public var minStake: UInt64
    public var minStakeFormatted: String
    /// The share of its settled epochs proved, 0–1 (1 before any settlement, 0 when not registered).
    public var score: Double
    /// Open agreements held (active or marked for repair).
    public var agreements: UInt64
    public var proofsOK: UInt64
    public var proofsMissed: UInt64
    /// Posted proofs that did not verify.
    public var proofsInvalid: UInt64
    /// Challenges still to answer this epoch.
    public var challengesDue: Int
    /// Whether peers take it for online (`MarketProvider.isOnline`); false when not registered.
    public var online: Bool
    /// The last epoch in which one of its transactions committed (0 when not registered).
    public var lastActiveEpoch: UInt64
    public var warnings: [String]
    public var capacity: UInt64
    public var used: UInt64
    /// Base units per GiB per epoch.
    public var price: UInt64
    public var priceFormatted: String
    /// Base units released for its proved epochs, over all its agreements (the settling proposers' share
    /// included).
    public var earnings: UInt64
    public var earningsFormatted: String
    /// Base units of stake taken by penalties for misses.
    public var penalties: UInt64
    public var penaltiesFormatted: String
    public var balance: UInt64
    public var balanceFormatted: String
    public var height: UInt64
    public var epoch: UInt64
    /// Its agreements (ended ones included), each with its proof record.
    public var held: [AgreementResponse]

    enum CodingKeys: String, CodingKey {
        case registered, status, address, stake, score, agreements, online, warnings, capacity, used, price, earnings
        case penalties, balance, height, epoch, held
        case stakeFormatted = "stake_formatted"
        case minStake = "min_stake"
        case minStakeFormatted = "min_stake_formatted"
        case proofsOK = "proofs_ok"
        case proofsMissed = "proofs_missed"
        case proofsInvalid = "proofs_invalid"
        case challengesDue = "challenges_due"
        case lastActiveEpoch = "last_active_epoch"
        case priceFormatted = "price_formatted"
        case earningsFormatted = "earnings_formatted"
        case penaltiesFormatted = "penalties_formatted"
        case balanceFormatted = "balance_formatted"
    }
}

/// A size as a request gives it: an integer of bytes, or text such as "10GiB" (KiB, MiB, GiB, TiB are powers of
/// 1024; KB, MB, GB, TB of 1000).
public enum SizeInput: Codable, Sendable, Hashable {
    case bytes(UInt64)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bytes = try? container.decode(UInt64.self) {
            self = .bytes(bytes)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a size is an integer of bytes or text such as \"10GiB\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bytes(let bytes): try container.encode(bytes)
        case .text(let text): try container.encode(text)
        }
    }
}

/// `POST /api/v0/provider/register`'s body (all three required) and `/update`'s (each optional: capacity and
/// price default to the registered ones, stake — added to the stake — to none).
public struct ProviderRequest: Codable, Sendable {
    public var capacity: SizeInput?
    /// Tokens per GiB per epoch.
    public var price: AmountInput?
    /// For register, the stake to lock; for update, stake to add.
    public var stake: AmountInput?

    public init(capacity: SizeInput?, price: AmountInput?, stake: AmountInput?) {
        self.capacity = capacity
        self.price = price
        self.stake = stake
    }

    enum CodingKeys: String, CodingKey { case capacity, price, stake }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        capacity = try container.decodeOptionalRefusingNull(SizeInput.self, forKey: .capacity)
        price = try container.decodeOptionalRefusingNull(AmountInput.self, forKey: .price)
        stake = try container.decodeOptionalRefusingNull(AmountInput.self, forKey: .stake)
    }
}

extension KeyedDecodingContainer {
    /// Absent means "not given"; `null` is refused rather than read as absent, so that the body means one thing.
    func decodeOptionalRefusingNull<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "leave \(key.stringValue) out rather than send null")
        }
        return try decode(T.self, forKey: key)
    }
}
