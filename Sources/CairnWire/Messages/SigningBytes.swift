/// Canonical, unambiguous bytes for signing: a length-prefixed domain tag followed by fixed-width or
/// length-prefixed fields, so that no two different values sign the same bytes.
public struct SigningBytes {
    public var bytes: [UInt8] = []

    public init(domain: String) { appendString(domain) }

    public mutating func append(_ raw: [UInt8]) {
        append(UInt32(raw.count))
        bytes += raw
    }

    public mutating func append(_ value: UInt8) { bytes.append(value) }

    public mutating func append(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func append(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func append(_ instant: Instant) { append(UInt64(bitPattern: instant.nanoseconds)) }

    public mutating func appendString(_ text: String) { append(Array(text.utf8)) }

    public mutating func append(_ address: PeerAddress) {
        appendString(address.host)
        bytes.append(UInt8(address.port >> 8))
        bytes.append(UInt8(address.port & 0xff))
    }
}
