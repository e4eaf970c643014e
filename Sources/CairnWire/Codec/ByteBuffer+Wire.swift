import NIOCore

// Cairn's primitive wire types. All integers are big-endian. Readers follow NIO's convention
// (NIOSOCKS `Helpers.swift`, NIOSSH `ByteBuffer+SSH.swift`): `read…` returns nil when the buffer holds too few
// bytes and then leaves the reader index where it was; readers that can also meet invalid bytes throw
// `WireError` and likewise rewind. Writers never fail: a value beyond its field's limit is clamped to what
// the reader accepts (a documented prefix), since such a value would be refused on the other side anyway.

extension ByteBuffer {
    /// Runs `body`; if it returns nil or throws, restores the reader index so the caller may retry with more bytes.
    public mutating func parseUnwindingIfNeeded<T>(
        _ body: (inout ByteBuffer) throws(WireError) -> T?
    ) throws(WireError) -> T? {
        let save = self
        do {
            guard let value = try body(&self) else {
                self = save
                return nil
            }
            return value
        } catch {
            self = save
            throw error
        }
    }

    // MARK: Fixed-size values

    /// 32 bytes.
    public mutating func readKey256() -> Key256? {
        guard readableBytes >= Key256.byteCount else { return nil }
        // Four big-endian u64 words are exactly Key256's storage.
        let w0 = readInteger(as: UInt64.self)!
        let w1 = readInteger(as: UInt64.self)!
        let w2 = readInteger(as: UInt64.self)!
        let w3 = readInteger(as: UInt64.self)!
        return Key256(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    @discardableResult
    public mutating func writeKey256(_ key: Key256) -> Int {
        writeMultipleIntegers(key.w0, key.w1, key.w2, key.w3)
    }

    /// 32 bytes. Any 32 bytes make a `PublicKey`; whether it is a usable point shows when a signature is checked.
    public mutating func readPublicKey() -> PublicKey? {
        readBytes(length: PublicKey.byteCount).flatMap { PublicKey(bytes: $0) }
    }

    @discardableResult
    public mutating func writePublicKey(_ key: PublicKey) -> Int {
        writeBytes(key.bytes)
    }

    /// An Ed25519 signature: exactly 64 bytes, no length prefix.
    public mutating func readSignature() -> [UInt8]? {
        readBytes(length: PublicKey.signatureByteCount)
    }

    /// Writes 64 bytes: a signature of another length (an unsigned value) is zero-padded or cut, and will not verify.
    @discardableResult
    public mutating func writeSignature(_ signature: [UInt8]) -> Int {
        let count = PublicKey.signatureByteCount
        if signature.count == count { return writeBytes(signature) }
        let fixed = Array(signature.prefix(count)) + [UInt8](repeating: 0, count: max(0, count - signature.count))
        return writeBytes(fixed)
    }

    /// Nanoseconds since the Unix epoch as a big-endian i64.
    public mutating func readInstant() -> Instant? {
        readInteger(as: Int64.self).map { Instant(nanoseconds: $0) }
    }

    @discardableResult
    public mutating func writeInstant(_ instant: Instant) -> Int {
        writeInteger(instant.nanoseconds)
    }

    /// One byte, 0 or 1; anything else is refused rather than read as true.
    public mutating func readWireBool(_ what: @autoclosure () -> String) throws(WireError) -> Bool? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> Bool? in
            guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
            switch byte {
            case 0: return false
            case 1: return true
            default: throw WireError.invalidValue("a flag must be 0 or 1, not \(byte)", in: what())
            }
        }
    }

    @discardableResult
    public mutating func writeWireBool(_ value: Bool) -> Int {
        writeInteger(value ? 1 as UInt8 : 0)
    }

    // MARK: Length-prefixed values

    /// Bytes behind a big-endian u32 length. Throws `oversized` for a length over `maxLength`, before reading them.
    public mutating func readWireBytes(
        maxLength: Int, _ what: @autoclosure () -> String
    ) throws(WireError) -> [UInt8]? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> [UInt8]? in
            guard let length = buffer.readInteger(as: UInt32.self) else { return nil }
            guard Int(length) <= maxLength else {
                throw WireError.oversized(length: Int(length), max: maxLength, in: what())
            }
            return buffer.readBytes(length: Int(length))
        }
    }

    /// Writes a big-endian u32 length and the bytes.
    @discardableResult
    public mutating func writeWireBytes<Bytes: Collection>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        writeInteger(UInt32(truncatingIfNeeded: bytes.count)) + writeBytes(bytes)
    }

    /// UTF-8 text behind a big-endian u16 byte length. Throws `oversized` over `maxLength` bytes and `badUTF8`
    /// for bytes that are not UTF-8.
    public mutating func readWireString(
        maxLength: Int, _ what: @autoclosure () -> String
    ) throws(WireError) -> String? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> String? in
            guard let length = buffer.readInteger(as: UInt16.self) else { return nil }
            return try buffer.readUTF8(length: Int(length), maxLength: maxLength, what())
        }
    }

    /// Writes a big-endian u16 byte length and the UTF-8 bytes, cut at a character boundary to `maxLength` bytes.
    @discardableResult
    public mutating func writeWireString(_ text: String, maxLength: Int) -> Int {
        let utf8 = text.utf8Prefix(maxByteCount: min(maxLength, Int(UInt16.max)))
        return writeInteger(UInt16(utf8.count)) + writeBytes(utf8)
    }

    /// `length` bytes of UTF-8 (the length was read by the caller).
    mutating func readUTF8(length: Int, maxLength: Int, _ what: @autoclosure () -> String) throws(WireError) -> String?
    {
        guard length <= maxLength else { throw WireError.oversized(length: length, max: maxLength, in: what()) }
        guard let slice = readSlice(length: length) else { return nil }
        guard let text = slice.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) else {
            throw WireError.badUTF8(in: what())
        }
        return text
    }

    // MARK: Arrays

    /// A big-endian u16 count, then that many elements read by `readElement`.
    ///
    /// Throws `tooManyItems` for a count over `maxCount`. Returns nil when fewer than
    /// `count * minElementByteCount` bytes remain, before reserving room for anything: a four-byte lie about
    /// the count never costs more memory than the bytes that came with it.
    public mutating func readWireArray<Element>(
        maxCount: Int, minElementByteCount: Int, _ what: @autoclosure () -> String,
        _ readElement: (inout ByteBuffer) throws(WireError) -> Element?
    ) throws(WireError) -> [Element]? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> [Element]? in
            guard let count = buffer.readInteger(as: UInt16.self).map(Int.init) else { return nil }
            guard count <= maxCount else { throw WireError.tooManyItems(count: count, max: maxCount, in: what()) }
            guard count * max(1, minElementByteCount) <= buffer.readableBytes else { return nil }
            var elements: [Element] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = try readElement(&buffer) else { return nil }
                elements.append(element)
            }
            return elements
        }
    }

    /// Writes a big-endian u16 count and the elements; only the first `maxCount` are written.
    @discardableResult
    public mutating func writeWireArray<Elements: Collection>(
        _ elements: Elements, maxCount: Int, _ writeElement: (inout ByteBuffer, Elements.Element) -> Void
    ) -> Int {
        let start = writerIndex
        let kept = elements.prefix(min(maxCount, Int(UInt16.max)))
        writeInteger(UInt16(kept.count))
        for element in kept { writeElement(&self, element) }
        return writerIndex - start
    }
}

extension String {
    /// The longest prefix of the UTF-8 bytes that is at most `maxByteCount` long and ends on a character boundary.
    func utf8Prefix(maxByteCount: Int) -> [UInt8] {
        if utf8.count <= maxByteCount { return Array(utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(maxByteCount)
        for character in self {
            let bytes = character.utf8
            guard out.count + bytes.count <= maxByteCount else { break }
            out += bytes
        }
        return out
    }
}
