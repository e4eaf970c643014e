/// The sequence number of each armed timer's live arming, by `TimerQueue.Key` (a 64-bit code): an
/// open-addressing hash table with linear probing and backward-shift deletion.
///
/// Every request arms a timer that is looked up twice more (cancelled, then met when its firing comes up), so
/// this table sees three operations per message. A `Dictionary` hashes its keys with SipHash and reached 5 %
/// of a run; a multiplicative hash of one word is enough here, since keys are made by the simulator, not
/// chosen by an adversary.
struct ArmedTimers {
    /// Marks a free slot; no key has all bits set (`TimerQueue.Key` leaves the top bits of the node clear).
    private static let free = UInt64.max

    private var keys: [UInt64]
    private var values: [UInt64]
    private var shift: UInt64
    private(set) var count = 0

    init() {
        keys = Array(repeating: Self.free, count: 16)
        values = Array(repeating: 0, count: 16)
        shift = 64 - 4
    }

    subscript(key: UInt64) -> UInt64? {
        guard let slot = find(key) else { return nil }
        return values[slot]
    }

    /// Sets the value of `key`, which must not be `UInt64.max`.
    mutating func set(_ key: UInt64, to value: UInt64) {
        precondition(key != Self.free, "a timer key cannot have all bits set")
        if let slot = find(key) {
            values[slot] = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var slot = home(key)
        while keys[slot] != Self.free { slot = (slot + 1) & (keys.count - 1) }
        keys[slot] = key
        values[slot] = value
        count += 1
    }

    /// Removes `key` and returns its value, if it was there.
    @discardableResult
    mutating func remove(_ key: UInt64) -> UInt64? {
        guard var hole = find(key) else { return nil }
        let value = values[hole]
        count -= 1
        // Backward shift: move up every following entry of the run that may fill the hole, so that lookups
        // never need tombstones.
        let mask = keys.count - 1
        var next = (hole + 1) & mask
        while keys[next] != Self.free {
            let wanted = home(keys[next])
            // The entry at `next` may move to `hole` unless its home lies cyclically in (hole, next].
            if (next - wanted) & mask >= (next - hole) & mask {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        keys[hole] = Self.free
        return value
    }

    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    private func find(_ key: UInt64) -> Int? {
        let mask = keys.count - 1
        var slot = home(key)
        while true {
            let held = keys[slot]
            if held == key { return slot }
            if held == Self.free { return nil }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: Self.free, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where key != Self.free { set(key, to: value) }
    }
}
