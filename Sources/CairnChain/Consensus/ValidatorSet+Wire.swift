import CairnCrypto
import CairnWire
import NIOCore

// ValidatorSet: count (u16) ‖ count × (key (32) ‖ power (u64) ‖ priority (i64)), in the set's canonical
// order (48 bytes a validator). Decoding checks the order, so one set has exactly one encoding and `hash`
// names it.

extension ValidatorSet {
    /// SHA-256 of the encoding, priorities included: two peers with the same hash have the same schedule.
    public var hash: Key256 {
        SHA256.hash([UInt8].encoding(capacity: 2 + 48 * count) { $0.writeValidatorSet(self) })
    }
}

extension ByteBuffer {
    public mutating func readValidatorSet() throws(WireError) -> ValidatorSet? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> ValidatorSet? in
            guard
                let entries = try buffer.readWireArray(
                    maxCount: ValidatorSet.maxCount, minElementByteCount: 48, "validators",
                    { element throws(WireError) -> (Validator, Int64)? in
                        guard let key = element.readPublicKey(), let power = element.readInteger(as: UInt64.self),
                            let priority = element.readInteger(as: Int64.self)
                        else { return nil }
                        return (Validator(publicKey: key, power: power), priority)
                    })
            else { return nil }
            let set: ValidatorSet
            do throws(ValidatorSetError) {
                set = try ValidatorSet(validators: entries.map(\.0), priorities: entries.map(\.1))
            } catch {
                throw .invalidValue(error.description, in: "validator set")
            }
            let canonical = try? ValidatorSet(set.validators.map { ($0.publicKey, $0.power) })
            guard canonical?.validators == set.validators else {
                throw .invalidValue("validators are not in canonical order", in: "validator set")
            }
            return set
        }
    }

    @discardableResult
    public mutating func writeValidatorSet(_ set: ValidatorSet) -> Int {
        let start = writerIndex
        writeWireArray(Array(zip(set.validators, set.priorities)), maxCount: ValidatorSet.maxCount) { buffer, entry in
            buffer.writePublicKey(entry.0.publicKey)
            buffer.writeInteger(entry.0.power)
            buffer.writeInteger(entry.1)
        }
        return writerIndex - start
    }
}
