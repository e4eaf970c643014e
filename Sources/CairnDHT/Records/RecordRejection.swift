import CairnWire

/// Why a record was not stored. The node sends the description back in `DHTResponse.refused`.
public enum RecordRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The signature does not verify, the record is past its expiry or lists too many addresses.
    case invalidPeerRecord(PeerID)
    case invalidProviderRecord(key: Key256, provider: PeerID)
    /// The store already holds a record for this peer issued at the same time or later.
    case stalePeerRecord(PeerID)
    /// Every provider slot for the key is taken by a record that expires later than this one.
    case providersFull(key: Key256, limit: Int)
    /// The record's signed expiry is further from this peer's clock than the skew tolerated: the signer's clock
    /// (or this one's) is wrong by more than `tolerance`.
    case outsideClockWindow(subject: String, expires: Instant, now: Instant, tolerance: Duration)

    public var description: String {
        switch self {
        case .invalidPeerRecord(let peer):
            "peer record for \(peer.shortHex) has a bad signature or lists too many addresses"
        case .invalidProviderRecord(let key, let provider):
            "provider record of \(provider.shortHex) for key \(key.shortHex) has a bad signature or lists too many "
                + "addresses"
        case .outsideClockWindow(let subject, let expires, let now, let tolerance):
            "\(subject) expires \(Self.span(expires - now)) \(expires < now ? "before" : "after") this peer's clock "
                + "(\(expires < now ? "expired" : "too far ahead"), more than the \(Self.span(tolerance)) of "
                + "clock skew tolerated): the signer's clock is probably wrong; set it right (e.g. enable NTP)"
        case .stalePeerRecord(let peer):
            "a peer record for \(peer.shortHex) issued at the same time or later is already stored"
        case .providersFull(let key, let limit):
            "key \(key.shortHex) already has \(limit) providers that expire later"
        }
    }

    /// A duration for people: "2 h 5 min", "40 s".
    public static func span(_ duration: Duration) -> String {
        let nanoseconds = duration.nanosecondsClamped.magnitude
        let seconds = (nanoseconds + 500_000_000) / 1_000_000_000
        if seconds >= 3600 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        if seconds >= 60 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds) s"
    }
}
