/// Why a list of validators (from genesis, the ledger's state or the wire) cannot make a `ValidatorSet`.
public enum ValidatorSetError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case zeroPower(validatorIndex: Int)
    case duplicateKey(validatorIndex: Int)
    /// The total exceeds `ValidatorSet.maxTotalPower`, past which proposer priorities could overflow.
    case totalPowerTooLarge(UInt64)
    case tooManyValidators(Int)
    /// Decoded priorities do not match the validators (wrong count).
    case prioritiesMismatch(count: Int, validators: Int)

    public var description: String {
        switch self {
        case .empty:
            "a validator set needs at least one validator"
        case .zeroPower(let index):
            "validator \(index) has zero voting power; leave it out of the set instead"
        case .duplicateKey(let index):
            "validator \(index) repeats a key already in the set"
        case .totalPowerTooLarge(let total):
            "the total voting power \(total) exceeds the maximum \(ValidatorSet.maxTotalPower)"
        case .tooManyValidators(let count):
            "\(count) validators exceed the maximum of \(ValidatorSet.maxCount)"
        case .prioritiesMismatch(let count, let validators):
            "\(count) proposer priorities were given for \(validators) validators"
        }
    }
}
