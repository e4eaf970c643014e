#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process-wide memo of Ed25519 verifications, for the simulator only; off unless `enable()` is called.
///
/// Why it is honest: whether a signature verifies is a pure function of (key, message, signature), so a
/// verification that one simulated peer already did gives the same answer to every other. A simulated chain
/// of 100 validators delivers some 20,000 votes a height, each checked by its receiver (about 35 µs of
/// Ed25519 each), and every follower checks each commit's signatures again: 1,000 heights would spend most of
/// their time proving the same signatures valid a hundred times over. With the memo on, each distinct
/// (key, signature, message) is verified once and the machines still check every signature they would check.
///
/// `cairn run` never enables it: a real peer verifies each signature once anyway, and a memo of outside input
/// would only be memory an attacker could fill. Entries are keyed by the SHA-256 of key ‖ signature ‖ message
/// (lengths are fixed but the message's, which comes last, so no two inputs share an encoding), and the memo
/// holds at most `2 × capacity` of them: when the current generation is full, it becomes the previous one
/// and the one before is dropped.
public enum SignatureMemo {
    /// Entries per generation.
    public static let capacity = 1 << 20

    private final class Table: @unchecked Sendable {
        // Every field is read and written with `mutex` held.
        var mutex = pthread_mutex_t()
        var enabled = false
        var current: [Key256: Bool] = [:]
        var previous: [Key256: Bool] = [:]
        var hits: UInt64 = 0
        var misses: UInt64 = 0

        init() { pthread_mutex_init(&mutex, nil) }

        /// With `mutex` held.
        func insert(_ digest: Key256, _ valid: Bool) {
            if current.count >= capacity {
                previous = current
                current = [:]
                current.reserveCapacity(capacity)
            }
            current[digest] = valid
        }

        func locked<T>(_ body: (Table) -> T) -> T {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return body(self)
        }
    }

    private static let table = Table()

    /// Turns the memo on for the rest of the process (the simulator calls it before a run).
    public static func enable() {
        table.locked { $0.enabled = true }
    }

    /// Whether the memo is on.
    public static var isEnabled: Bool { table.locked { $0.enabled } }

    /// Verifications answered from the memo and verifications done, since the process started.
    public static var counts: (hits: UInt64, misses: UInt64) { table.locked { ($0.hits, $0.misses) } }

    /// Whether a composite verification (a commit's hundred signatures) with this digest of all its inputs
    /// already succeeded. Always false while the memo is off.
    public static func knownValid(_ digest: Key256) -> Bool {
        table.locked { table in
            guard table.enabled else { return false }
            let found = (table.current[digest] ?? table.previous[digest]) == true
            if found { table.hits += 1 }
            return found
        }
    }

    /// Records that the composite verification with this digest succeeded (nothing while the memo is off).
    public static func rememberValid(_ digest: Key256) {
        table.locked { table in
            guard table.enabled else { return }
            table.insert(digest, true)
        }
    }

    /// The memoised answer to `verify()`, or `verify()` itself when the memo is off.
    static func verify(key: [UInt8], signature: [UInt8], message: [UInt8], _ verify: () -> Bool) -> Bool {
        guard table.locked({ $0.enabled }) else { return verify() }
        var input: [UInt8] = []
        input.reserveCapacity(key.count + signature.count + message.count)
        input += key
        input += signature
        input += message
        let digest = SHA256.hash(input)
        let known: Bool? = table.locked { table in
            let found = table.current[digest] ?? table.previous[digest]
            if found != nil { table.hits += 1 } else { table.misses += 1 }
            return found
        }
        if let known { return known }
        let valid = verify()
        table.locked { $0.insert(digest, valid) }
        return valid
    }
}
