/// Everything a memoised verification depends on, kept whole: `SignatureMemo` answers only for inputs equal
/// byte for byte to ones that verified, so no collision of any hash can make it accept a forgery.
///
/// The parts are kept as the caller's arrays (no concatenation): for a signature, the key, the signature
/// and the message. Hashing feeds the hasher the lengths and the last 16 bytes of `middle` only — the end of
/// an Ed25519 signature, which differs for every signed message — because hashing every byte of a
/// 6 KB commit, or even of a vote, for each of a thousand simulated peers was a large share of a run.
/// Inputs chosen to collide there only share a hash bucket, and are still told apart by `==`.
public struct SignatureMemoKey: Hashable, Sendable {
    let head: [UInt8]
    let middle: [UInt8]
    let tail: [UInt8]

    /// A key of up to three parts; two keys are equal when every part is equal.
    public init(_ head: [UInt8], _ middle: [UInt8], _ tail: [UInt8] = []) {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    public static func == (a: SignatureMemoKey, b: SignatureMemoKey) -> Bool {
        a.middle.hasSameBytes(as: b.middle) && a.head.hasSameBytes(as: b.head) && a.tail.hasSameBytes(as: b.tail)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(head.count)
        hasher.combine(middle.count)
        hasher.combine(tail.count)
        middle.withUnsafeBytes { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes.suffix(16)))
        }
    }
}
