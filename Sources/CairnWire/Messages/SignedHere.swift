/// Whether a signed record was signed by this process and not changed since (`PeerRecord.isValid`). Records
/// compare equal and hash alike whatever it holds: it says how a value was made, not what it is.
struct SignedHere: Hashable, Sendable {
    let value: Bool

    init(_ value: Bool) { self.value = value }

    static func == (_: Self, _: Self) -> Bool { true }
    func hash(into _: inout Hasher) {}
}
