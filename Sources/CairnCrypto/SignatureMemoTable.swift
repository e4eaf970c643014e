#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store behind `SignatureMemo`: two generations of inputs that verified, under one lock.
final class SignatureMemoTable: @unchecked Sendable {
    // Every field is read and written with `mutex` held.
    private var mutex = pthread_mutex_t()
    private var enabled = false
    private var current: Set<SignatureMemoKey> = []
    private var previous: Set<SignatureMemoKey> = []
    private var hits: UInt64 = 0
    private var misses: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    func enable() { locked { enabled = true } }

    var isEnabled: Bool { locked { enabled } }

    var counts: (hits: UInt64, misses: UInt64) { locked { (hits, misses) } }

    /// With `mutex` held.
    private func contains(_ key: SignatureMemoKey) -> Bool {
        current.contains(key) || previous.contains(key)
    }

    /// With `mutex` held.
    private func insert(_ key: SignatureMemoKey) {
        if current.count >= capacity {
            previous = current
            current = []
            current.reserveCapacity(capacity)
        }
        current.insert(key)
    }

    func knownValid(_ key: SignatureMemoKey) -> Bool {
        locked {
            guard enabled, contains(key) else { return false }
            hits += 1
            return true
        }
    }

    func rememberValid(_ key: SignatureMemoKey) {
        locked { if enabled { insert(key) } }
    }

    /// `verify()` unless these exact inputs verified before; a success is remembered, a failure is not.
    func verify(key: [UInt8], signature: [UInt8], message: [UInt8], _ verify: () -> Bool) -> Bool {
        let memoKey = SignatureMemoKey(key, signature, message)
        let known: Bool? = locked {
            guard enabled else { return nil }
            if contains(memoKey) {
                hits += 1
                return true
            }
            misses += 1
            return false
        }
        guard let known else { return verify() }
        if known { return true }
        let valid = verify()
        if valid { locked { insert(memoKey) } }
        return valid
    }
}
