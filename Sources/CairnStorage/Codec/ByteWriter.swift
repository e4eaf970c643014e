import CairnCrypto

/// Appends big-endian fixed-width fields for Cairn's binary formats (descriptors, access grants).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func write(_ value: UInt8) { bytes.append(value) }

    mutating func write(_ value: UInt16) { writeInteger(value) }
    mutating func write(_ value: UInt32) { writeInteger(value) }
    mutating func write(_ value: UInt64) { writeInteger(value) }
    mutating func write(_ value: Int64) { writeInteger(value) }

    mutating func write(_ key: Key256) {
        writeInteger(key.w0)
        writeInteger(key.w1)
        writeInteger(key.w2)
        writeInteger(key.w3)
    }

    mutating func write(raw: [UInt8]) { bytes += raw }

    /// A u16 length, then the bytes.
    mutating func write(shortBytes raw: [UInt8]) {
        precondition(raw.count <= Int(UInt16.max), "field longer than a u16 length")
        write(UInt16(raw.count))
        bytes += raw
    }

    private mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Reads what `ByteWriter` wrote, never trusting the input: every read checks the remaining length and
/// returns nil rather than trapping, and counts are checked against the bytes left before anything is allocated.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { remaining == 0 }

    mutating func readUInt8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() -> UInt16? { readInteger() }
    mutating func readUInt32() -> UInt32? { readInteger() }
    mutating func readUInt64() -> UInt64? { readInteger() }
    mutating func readInt64() -> Int64? { readInteger() }

    mutating func readKey() -> Key256? {
        guard remaining >= 32, let w0 = readUInt64(), let w1 = readUInt64(), let w2 = readUInt64(),
            let w3 = readUInt64()
        else { return nil }
        return Key256(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A u16 length then that many bytes, refused beyond `maximum`.
    mutating func readShortBytes(maximum: Int) -> [UInt8]? {
        let start = offset
        guard let count = readUInt16(), Int(count) <= maximum, let value = readBytes(Int(count)) else {
            offset = start
            return nil
        }
        return value
    }

    private mutating func readInteger<T: FixedWidthInteger>() -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        var value: T = 0
        for i in 0..<size { value = value << 8 | T(bytes[offset + i]) }
        offset += size
        return value
    }
}
