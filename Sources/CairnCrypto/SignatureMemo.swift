#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process-wide memo of successful Ed25519 verifications, for the simulator only; off unless `enable()`
/// is called.
///
/// Why it is honest: whether a signature verifies is a pure function of (key, message, signature), so a
/// verification that one simulated peer already did gives the same answer to every other. A simulated chain
/// of 100 validators delivers some 20,000 votes a height, each checked by its receiver (about 35 µs of
/// Ed25519 each), and every follower checks each commit's signatures again: 1,000 heights would spend most of
/// their time proving the same signatures valid a hundred times over. With the memo on, each distinct valid
/// (key, signature, message) is verified once and the machines still check every signature they would check.
/// As Bitcoin Core's signature cache, it remembers only successes, each under its whole input
/// (`SignatureMemoKey`): a forged or altered signature is never in it and is verified, and refused, every
/// time.
///
/// `cairn run` never enables it: a real peer verifies each signature once anyway, and a memo of outside input
/// would only be memory an attacker could fill. The memo holds at most `2 × capacity` entries: when the
/// current generation is full, it becomes the previous one and the one before is dropped.
public enum SignatureMemo {
    /// Entries per generation.
    public static let capacity = 1 << 20

    static let shared = SignatureMemoTable(capacity: capacity)

    /// Turns the memo on for the rest of the process (the simulator calls it before a run).
    public static func enable() { shared.enable() }

    /// Whether the memo is on.
    public static var isEnabled: Bool { shared.isEnabled }

    /// Verifications answered from the memo and verifications done while it was on, since the process started.
    public static var counts: (hits: UInt64, misses: UInt64) { shared.counts }

    /// Whether a composite verification (a commit's hundred signatures) with exactly these inputs already
    /// succeeded. Always false while the memo is off.
    public static func knownValid(_ key: SignatureMemoKey) -> Bool { shared.knownValid(key) }

    /// Records that the composite verification with these inputs succeeded (nothing while the memo is off).
    public static func rememberValid(_ key: SignatureMemoKey) { shared.rememberValid(key) }

    /// The memoised answer to `verify()`, or `verify()` itself when the memo is off.
    static func verify(key: [UInt8], signature: [UInt8], message: [UInt8], _ verify: () -> Bool) -> Bool {
        shared.verify(key: key, signature: signature, message: message, verify)
    }
}
