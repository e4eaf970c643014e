import CairnWire

/// The signed records this node holds for others (DESIGN.md §4), apart from the wire and the routing table
/// (rust-libp2p `record/store`). Every record is verified on the way in; expired ones are dropped by
/// `removeExpired`, and never handed out.
///
/// How long a record is kept is judged by the receiver, on its own clock (issue 6, item 7): a record whose
/// signed expiry lies within `maxClockSkew` of what this clock expects (not more than `maxClockSkew` in the past,
/// not more than `lifetime + maxClockSkew` in the future) is kept for `lifetime` from its arrival, and never past
/// its signed expiry plus `maxClockSkew`. A signer whose clock runs hours behind or ahead is still heard; one
/// beyond the window is refused with a reason that names the clock. With no `lifetime` and no skew (the
/// defaults) a record is kept exactly until its signed expiry.
public struct RecordStore: Sendable {
    /// Most provider records kept per key.
    public let maxProvidersPerKey: Int
    /// How long a record is kept after it arrives; nil: until its signed expiry (plus the skew).
    public let lifetime: Duration?
    public let maxClockSkew: Duration
    private var providersByKey: [Key256: [Kept<ProviderRecord>]] = [:]
    private var peerRecordsByID: [PeerID: Kept<PeerRecord>] = [:]

    /// A record and the instant, on this node's clock, until which it is kept.
    struct Kept<Record: Sendable>: Sendable {
        var record: Record
        var until: Instant
    }

    public init(maxProvidersPerKey: Int = 20, lifetime: Duration? = nil, maxClockSkew: Duration = .zero) {
        self.maxProvidersPerKey = Swift.max(1, maxProvidersPerKey)
        self.lifetime = lifetime
        self.maxClockSkew = maxClockSkew
    }

    /// Number of provider records held, all keys together.
    public var providerRecordCount: Int { providersByKey.values.reduce(0) { $0 + $1.count } }
    public var peerRecordCount: Int { peerRecordsByID.count }

    /// Until when a record that expires at `expires` is kept if it arrives at `now`, or why it is refused.
    public func keptUntil(expires: Instant, now: Instant, subject: String) throws(RecordRejection) -> Instant {
        guard expires > now - maxClockSkew else {
            throw .outsideClockWindow(subject: subject, expires: expires, now: now, tolerance: maxClockSkew)
        }
        guard let lifetime else { return expires + maxClockSkew }
        guard expires <= now + lifetime + maxClockSkew else {
            throw .outsideClockWindow(subject: subject, expires: expires, now: now, tolerance: maxClockSkew)
        }
        return Swift.min(now + lifetime, expires + maxClockSkew)
    }

    /// Stores a verified provider record. One record per provider and key: a new one replaces the old.
    /// When the key is at its limit, the record kept the shortest makes room if the new one outlives it.
    public mutating func addProvider(_ record: ProviderRecord, now: Instant) throws(RecordRejection) {
        // The signature and addresses; the expiry is judged by the window below.
        guard record.isValid(now: .init(nanoseconds: .min)) else {
            throw .invalidProviderRecord(key: record.key, provider: record.provider)
        }
        let until = try keptUntil(expires: record.expires, now: now,
                                  subject: "provider record of \(record.provider.shortHex)")
        let provider = record.provider
        let kept = Kept(record: record, until: until)
        var list = providersByKey[record.key] ?? []
        list.removeAll { $0.until <= now }
        if let i = list.firstIndex(where: { $0.record.provider == provider }) {
            list[i] = kept
        } else if list.count < maxProvidersPerKey {
            list.append(kept)
        } else {
            guard let soonest = list.indices.min(by: { list[$0].until < list[$1].until }), list[soonest].until < until
            else { throw .providersFull(key: record.key, limit: maxProvidersPerKey) }
            list[soonest] = kept
        }
        providersByKey[record.key] = list
    }

    /// Provider records for `key` still kept at `now`, in the order they were first stored.
    public func providers(for key: Key256, now: Instant) -> [ProviderRecord] {
        (providersByKey[key] ?? []).filter { $0.until > now }.map(\.record)
    }

    /// Stores a verified peer record unless one issued at the same time or later is held.
    public mutating func putPeerRecord(_ record: PeerRecord, now: Instant) throws(RecordRejection) {
        let id = record.peerID
        guard record.isValid(now: .init(nanoseconds: .min)) else { throw .invalidPeerRecord(id) }
        let until = try keptUntil(expires: record.expires, now: now, subject: "peer record of \(id.shortHex)")
        if let held = peerRecordsByID[id], held.until > now, held.record.issued >= record.issued {
            throw .stalePeerRecord(id)
        }
        peerRecordsByID[id] = Kept(record: record, until: until)
    }

    /// The peer record for `id` still kept at `now`, if held.
    public func peerRecord(for id: PeerID, now: Instant) -> PeerRecord? {
        guard let kept = peerRecordsByID[id], kept.until > now else { return nil }
        return kept.record
    }

    /// Drops every record no longer kept at `now`.
    public mutating func removeExpired(now: Instant) {
        if peerRecordsByID.values.contains(where: { $0.until <= now }) {
            peerRecordsByID = peerRecordsByID.filter { $0.value.until > now }
        }
        let stale = providersByKey.filter { $0.value.contains { $0.until <= now } }.keys
        for key in stale {
            let live = providersByKey[key, default: []].filter { $0.until > now }
            providersByKey[key] = live.isEmpty ? nil : live
        }
    }
}
