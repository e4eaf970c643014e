import CairnCrypto

/// The validators of one height with their voting power and proposer priorities (DESIGN.md §6).
///
/// Validators are sorted by power, highest first, then by address (SHA-256 of the key), as CometBFT orders
/// them, so that every peer gives every validator the same index: commits name signers by that index.
/// The priorities are part of the value: the layer above carries the set from block to block with
/// `advanced(byHeights:)` and persists it with its encoding (`ValidatorSet+Wire.swift`).
public struct ValidatorSet: Hashable, Sendable {
    /// CometBFT's bound (`MaxTotalVotingPower` = Int64.max / 8): priorities, which move by at most a few
    /// times the total power, then stay far from Int64's limits.
    public static let maxTotalPower: UInt64 = UInt64(Int64.max / 8)
    /// Commits index signers with a u16.
    public static let maxCount = Int(UInt16.max)

    public let validators: [Validator]
    public let totalPower: UInt64
    /// Proposer priority of each validator, by index, at the start of the height this set is for.
    public internal(set) var priorities: [Int64]
    let addresses: [Key256]
    let indexByKey: [PublicKey: Int]
    /// SHA-256 over every (key, power) in order: equal for two sets with the same members and powers, whatever
    /// their priorities (which `advanced(byHeights:)` changes without touching this).
    public let membershipDigest: Key256

    /// A set from (key, power) pairs in any order; every priority starts at zero (genesis).
    ///
    /// Throws for an empty list, a zero power, a repeated key, more than `maxCount` validators or a total
    /// over `maxTotalPower`.
    public init(_ entries: [(PublicKey, UInt64)]) throws(ValidatorSetError) {
        try self.init(validators: entries.map { Validator(publicKey: $0.0, power: $0.1) }, priorities: nil)
    }

    /// `priorities`, when given, are by position in `validators` (which must already be in canonical order,
    /// as decoded); nil sorts the validators and starts every priority at zero.
    init(validators input: [Validator], priorities: [Int64]?) throws(ValidatorSetError) {
        guard !input.isEmpty else { throw .empty }
        guard input.count <= Self.maxCount else { throw .tooManyValidators(input.count) }
        var total: UInt64 = 0
        for (index, validator) in input.enumerated() {
            guard validator.power > 0 else { throw .zeroPower(validatorIndex: index) }
            let (sum, overflow) = total.addingReportingOverflow(validator.power)
            guard !overflow, sum <= Self.maxTotalPower else { throw .totalPowerTooLarge(overflow ? .max : sum) }
            total = sum
        }
        var keyed = input.map { ($0, $0.address) }
        if priorities == nil {
            keyed.sort { lhs, rhs in
                lhs.0.power != rhs.0.power ? lhs.0.power > rhs.0.power : lhs.1 < rhs.1
            }
        }
        var index: [PublicKey: Int] = [:]
        for (position, entry) in keyed.enumerated() {
            guard index.updateValue(position, forKey: entry.0.publicKey) == nil else {
                throw .duplicateKey(validatorIndex: position)
            }
        }
        if let priorities, priorities.count != input.count {
            throw .prioritiesMismatch(count: priorities.count, validators: input.count)
        }
        self.validators = keyed.map(\.0)
        self.addresses = keyed.map(\.1)
        self.indexByKey = index
        self.totalPower = total
        self.priorities = priorities ?? Array(repeating: 0, count: input.count)
        var members: [UInt8] = []
        members.reserveCapacity(keyed.count * 40)
        for (validator, _) in keyed {
            members += validator.publicKey.bytes
            withUnsafeBytes(of: validator.power.bigEndian) { members += $0 }
        }
        self.membershipDigest = SHA256.hash(members)
    }

    public var count: Int { validators.count }

    public subscript(index: Int) -> Validator { validators[index] }

    /// The position of `key` in the set, nil for a key that is not a validator.
    public func index(of key: PublicKey) -> Int? { indexByKey[key] }

    public func contains(_ key: PublicKey) -> Bool { indexByKey[key] != nil }

    /// The smallest power strictly greater than 2/3 of the total (the paper's 2f+1): total·2/3 rounded
    /// down, plus one. 12 → 9, 4 → 3, 3 → 3, 1 → 1.
    public var quorum: UInt64 { totalPower * 2 / 3 + 1 }

    /// The smallest power strictly greater than 1/3 of the total (the paper's f+1), which contains at least one
    /// correct validator: 12 → 5, 4 → 2, 3 → 2.
    public var oneThirdPlus: UInt64 { totalPower / 3 + 1 }

    public static func == (lhs: ValidatorSet, rhs: ValidatorSet) -> Bool {
        lhs.validators == rhs.validators && lhs.priorities == rhs.priorities
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(validators)
        hasher.combine(priorities)
    }
}
