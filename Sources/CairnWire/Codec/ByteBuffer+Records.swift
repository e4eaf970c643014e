import NIOCore

// The DHT's values on the wire:
//
//   PeerAddress    := host-length u8 (1...255) ‖ host UTF-8 ‖ port u16 (1...65535)
//   PeerInfo       := id Key256 ‖ PeerAddress
//   PeerRecord     := public-key 32 ‖ address-count u16 (≤ 8) ‖ PeerAddress*
//                     ‖ issued i64 ‖ expires i64 ‖ signature 64
//   ProviderRecord := key Key256 ‖ provider-key 32 ‖ address-count u16 (≤ 8) ‖ PeerAddress*
//                     ‖ expires i64 ‖ signature 64

extension ByteBuffer {
    /// Smallest encoding of each, for bounding array counts against the bytes that remain.
    public static let minPeerAddressByteCount = 1 + 1 + 2
    public static let minPeerInfoByteCount = Key256.byteCount + minPeerAddressByteCount
    public static let minPeerRecordByteCount = PublicKey.byteCount + 2 + 8 + 8 + PublicKey.signatureByteCount
    public static let minProviderRecordByteCount =
        Key256.byteCount + PublicKey.byteCount + 2 + 8 + PublicKey.signatureByteCount

    // MARK: PeerAddress

    public mutating func readPeerAddress() throws(WireError) -> PeerAddress? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> PeerAddress? in
            guard let length = buffer.readInteger(as: UInt8.self) else { return nil }
            guard length > 0 else { throw WireError.invalidValue("the host is empty", in: "peer address") }
            guard let host = try buffer.readUTF8(length: Int(length), maxLength: PeerAddress.maxHostLength, "host"),
                let port = buffer.readInteger(as: UInt16.self)
            else { return nil }
            guard port != 0 else { throw WireError.invalidValue("port 0 cannot be dialled", in: "peer address") }
            return PeerAddress(host: host, port: port)
        }
    }

    /// Hosts longer than 255 bytes are cut (no real host name is that long).
    @discardableResult
    public mutating func writePeerAddress(_ address: PeerAddress) -> Int {
        let host = address.host.utf8Prefix(maxByteCount: PeerAddress.maxHostLength)
        return writeInteger(UInt8(host.count)) + writeBytes(host) + writeInteger(address.port)
    }

    /// A presence flag (0 or 1), then the address when present.
    public mutating func readOptionalPeerAddress() throws(WireError) -> PeerAddress?? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> PeerAddress?? in
            guard let present = try buffer.readWireBool("advertised address flag") else { return nil }
            guard present else { return .some(nil) }
            guard let address = try buffer.readPeerAddress() else { return nil }
            return .some(address)
        }
    }

    @discardableResult
    public mutating func writeOptionalPeerAddress(_ address: PeerAddress?) -> Int {
        guard let address else { return writeWireBool(false) }
        return writeWireBool(true) + writePeerAddress(address)
    }

    // MARK: PeerInfo

    public mutating func readPeerInfo() throws(WireError) -> PeerInfo? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> PeerInfo? in
            guard let id = buffer.readKey256(), let address = try buffer.readPeerAddress() else { return nil }
            return PeerInfo(id: id, address: address)
        }
    }

    @discardableResult
    public mutating func writePeerInfo(_ info: PeerInfo) -> Int {
        writeKey256(info.id) + writePeerAddress(info.address)
    }

    /// A u16 count (at most `maxCount`) and that many `PeerInfo`.
    public mutating func readPeerInfos(maxCount: Int = DHTRequest.maxPeersPerResponse) throws(WireError) -> [PeerInfo]?
    {
        try readWireArray(maxCount: maxCount, minElementByteCount: Self.minPeerInfoByteCount, "peer list") {
            buffer throws(WireError) in try buffer.readPeerInfo()
        }
    }

    @discardableResult
    public mutating func writePeerInfos(_ peers: [PeerInfo], maxCount: Int = DHTRequest.maxPeersPerResponse) -> Int {
        writeWireArray(peers, maxCount: maxCount) { $0.writePeerInfo($1) }
    }

    // MARK: Records

    public mutating func readPeerRecord() throws(WireError) -> PeerRecord? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> PeerRecord? in
            guard let publicKey = buffer.readPublicKey(),
                let addresses = try buffer.readRecordAddresses(),
                let issued = buffer.readInstant(),
                let expires = buffer.readInstant(),
                let signature = buffer.readSignature()
            else { return nil }
            return PeerRecord(
                publicKey: publicKey, addresses: addresses, issued: issued, expires: expires, signature: signature)
        }
    }

    /// Only the first `PeerRecord.maxAddresses` addresses are written (the signature covers them all, so a record
    /// with more would not verify anyway).
    @discardableResult
    public mutating func writePeerRecord(_ record: PeerRecord) -> Int {
        writePublicKey(record.publicKey)
            + writeWireArray(record.addresses, maxCount: PeerRecord.maxAddresses) { $0.writePeerAddress($1) }
            + writeInstant(record.issued) + writeInstant(record.expires) + writeSignature(record.signature)
    }

    public mutating func readProviderRecord() throws(WireError) -> ProviderRecord? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> ProviderRecord? in
            guard let key = buffer.readKey256(),
                let providerKey = buffer.readPublicKey(),
                let addresses = try buffer.readRecordAddresses(),
                let expires = buffer.readInstant(),
                let signature = buffer.readSignature()
            else { return nil }
            return ProviderRecord(
                key: key, providerKey: providerKey, addresses: addresses, expires: expires, signature: signature)
        }
    }

    @discardableResult
    public mutating func writeProviderRecord(_ record: ProviderRecord) -> Int {
        writeKey256(record.key) + writePublicKey(record.providerKey)
            + writeWireArray(record.addresses, maxCount: PeerRecord.maxAddresses) { $0.writePeerAddress($1) }
            + writeInstant(record.expires) + writeSignature(record.signature)
    }

    public mutating func readPlacementRecord() throws(WireError) -> PlacementRecord? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> PlacementRecord? in
            guard let fileID = buffer.readKey256(),
                let holderKey = buffer.readPublicKey(),
                let addresses = try buffer.readRecordAddresses(),
                let entries = try buffer.readPlacementEntries(),
                let issued = buffer.readInstant(),
                let expires = buffer.readInstant(),
                let signature = buffer.readSignature()
            else { return nil }
            return PlacementRecord(fileID: fileID, holderKey: holderKey, addresses: addresses, entries: entries,
                                   issued: issued, expires: expires, signature: signature)
        }
    }

    @discardableResult
    public mutating func writePlacementRecord(_ record: PlacementRecord) -> Int {
        writeKey256(record.fileID) + writePublicKey(record.holderKey)
            + writeWireArray(record.addresses, maxCount: PeerRecord.maxAddresses) { $0.writePeerAddress($1) }
            + writePlacementEntries(record.entries)
            + writeInstant(record.issued) + writeInstant(record.expires) + writeSignature(record.signature)
    }

    /// Placement entries: u16 count, then slot u8 ‖ first segment u32 ‖ end segment u32 (exclusive, > first).
    public mutating func readPlacementEntries() throws(WireError) -> [PlacementRecord.Entry]? {
        try readWireArray(maxCount: PlacementRecord.maxEntries, minElementByteCount: 9, "placement entries") {
            entry throws(WireError) -> PlacementRecord.Entry? in
            guard let slot = entry.readInteger(as: UInt8.self), let first = entry.readInteger(as: UInt32.self),
                  let end = entry.readInteger(as: UInt32.self)
            else { return nil }
            guard first < end else {
                throw WireError.invalidValue("segments \(first)..<\(end) are empty", in: "placement entry")
            }
            return PlacementRecord.Entry(slot: slot, segments: first..<end)
        }
    }

    @discardableResult
    public mutating func writePlacementEntries(_ entries: [PlacementRecord.Entry]) -> Int {
        writeWireArray(entries, maxCount: PlacementRecord.maxEntries) { buffer, entry in
            buffer.writeMultipleIntegers(entry.slot, entry.segments.lowerBound, entry.segments.upperBound)
        }
    }

    private mutating func readRecordAddresses() throws(WireError) -> [PeerAddress]? {
        try readWireArray(
            maxCount: PeerRecord.maxAddresses, minElementByteCount: Self.minPeerAddressByteCount, "record's addresses"
        ) { buffer throws(WireError) in try buffer.readPeerAddress() }
    }
}

extension PlacementRecord {
    /// Records per `BlobKind.placement` blob: one per holder of the file, with room for many repairs.
    public static let maxRecordsPerBlob = 4096

    /// A placement blob: u16 count, then the records.
    public static func encodeList(_ records: [PlacementRecord]) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeWireArray(records, maxCount: maxRecordsPerBlob) { $0.writePlacementRecord($1) }
        return Array(buffer.readableBytesView)
    }

    /// Reads a placement blob; throws on malformed bytes or bytes left over.
    public static func decodeList(_ bytes: [UInt8]) throws(WireError) -> [PlacementRecord] {
        var buffer = ByteBuffer(bytes: bytes)
        guard let records = try buffer.readWireArray(
            maxCount: maxRecordsPerBlob, minElementByteCount: 32 + 32 + 2 + 2 + 8 + 8 + 64, "placement records",
            { record throws(WireError) in try record.readPlacementRecord() })
        else { throw WireError.truncated(reading: "placement records") }
        guard buffer.readableBytes == 0 else {
            throw WireError.invalidValue("\(buffer.readableBytes) bytes after the records", in: "placement records")
        }
        return records
    }
}
