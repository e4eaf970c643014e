import CairnWire

/// The signed records this node holds for others (DESIGN.md §4), apart from the wire and the routing table
/// (rust-libp2p `record/store`). Every record is verified on the way in; expired ones are dropped by
/// `removeExpired`, and never handed out.
public struct RecordStore: Sendable {
    /// Most provider records kept per key.
    public let maxProvidersPerKey: Int
    private var providersByKey: [Key256: [ProviderRecord]] = [:]
    private var peerRecordsByID: [PeerID: PeerRecord] = [:]

    public init(maxProvidersPerKey: Int = 20) {
        self.maxProvidersPerKey = Swift.max(1, maxProvidersPerKey)
    }

    /// Number of provider records held, all keys together.
    public var providerRecordCount: Int { providersByKey.values.reduce(0) { $0 + $1.count } }
    public var peerRecordCount: Int { peerRecordsByID.count }

    /// Stores a verified provider record. One record per provider and key: a new one replaces the old.
    /// When the key is at its limit, the record expiring soonest makes room if the new one outlives it.
    public mutating func addProvider(_ record: ProviderRecord, now: Instant) throws(RecordRejection) {
        guard record.isValid(now: now) else {
            throw .invalidProviderRecord(key: record.key, provider: record.provider)
        }
        let provider = record.provider
        var list = providersByKey[record.key] ?? []
        list.removeAll { $0.expires <= now }
        if let i = list.firstIndex(where: { $0.provider == provider }) {
            list[i] = record
        } else if list.count < maxProvidersPerKey {
            list.append(record)
        } else {
            guard let soonest = list.indices.min(by: { list[$0].expires < list[$1].expires }),
                list[soonest].expires < record.expires
            else { throw .providersFull(key: record.key, limit: maxProvidersPerKey) }
            list[soonest] = record
        }
        providersByKey[record.key] = list
    }

    /// Unexpired provider records for `key`, in the order they were first stored.
    public func providers(for key: Key256, now: Instant) -> [ProviderRecord] {
        (providersByKey[key] ?? []).filter { $0.expires > now }
    }

    /// Stores a verified peer record unless one issued at the same time or later is held.
    public mutating func putPeerRecord(_ record: PeerRecord, now: Instant) throws(RecordRejection) {
        let id = record.peerID
        guard record.isValid(now: now) else { throw .invalidPeerRecord(id) }
        if let held = peerRecordsByID[id], held.expires > now, held.issued >= record.issued {
            throw .stalePeerRecord(id)
        }
        peerRecordsByID[id] = record
    }

    /// The unexpired peer record for `id`, if held.
    public func peerRecord(for id: PeerID, now: Instant) -> PeerRecord? {
        guard let record = peerRecordsByID[id], record.expires > now else { return nil }
        return record
    }

    /// Drops every record that has expired by `now`.
    public mutating func removeExpired(now: Instant) {
        if peerRecordsByID.values.contains(where: { $0.expires <= now }) {
            peerRecordsByID = peerRecordsByID.filter { $0.value.expires > now }
        }
        let stale = providersByKey.filter { $0.value.contains { $0.expires <= now } }.keys
        for key in stale {
            let live = providersByKey[key, default: []].filter { $0.expires > now }
            providersByKey[key] = live.isEmpty ? nil : live
        }
    }
}
