/// A point in Cairn's 256-bit key space: PeerIDs, content keys and SHA-256 digests all live here.
///
/// Stored as four big-endian 64-bit words so that XOR distance, ordering and prefix length cost
/// a handful of instructions — the simulator compares millions of them.
public struct Key256: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public static let byteCount = 32
    public static let zero = Key256(w0: 0, w1: 0, w2: 0, w3: 0)

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Builds a key from exactly 32 bytes; nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Key256.byteCount else { return nil }
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for (index, byte) in bytes.enumerated() {
            switch index >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(byte)
            case 1: words.1 = words.1 << 8 | UInt64(byte)
            case 2: words.2 = words.2 << 8 | UInt64(byte)
            default: words.3 = words.3 << 8 | UInt64(byte)
            }
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Parses 64 hexadecimal characters (either case); nil for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = Key256.nibble(utf8[index]), let low = Key256.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Key256.byteCount) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
            count = Key256.byteCount
        }
    }

    /// 64 lowercase hexadecimal characters.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 8 hex characters, for logs and tables.
    public var shortHex: String { String(hex.prefix(8)) }

    public var description: String { hex }

    /// Kademlia's XOR metric.
    @inlinable
    public func distance(to other: Key256) -> Key256 {
        Key256(w0: w0 ^ other.w0, w1: w1 ^ other.w1, w2: w2 ^ other.w2, w3: w3 ^ other.w3)
    }

    /// Number of leading zero bits (256 for the zero key).
    @inlinable
    public var leadingZeroBitCount: Int {
        if w0 != 0 { return w0.leadingZeroBitCount }
        if w1 != 0 { return 64 + w1.leadingZeroBitCount }
        if w2 != 0 { return 128 + w2.leadingZeroBitCount }
        return 192 + w3.leadingZeroBitCount
    }

    /// Length of the common bit prefix of two keys (256 when equal).
    @inlinable
    public func commonPrefixLength(with other: Key256) -> Int {
        distance(to: other).leadingZeroBitCount
    }

    /// Unsigned big-endian order, which is the order of XOR distances.
    @inlinable
    public static func < (lhs: Key256, rhs: Key256) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        return lhs.w3 < rhs.w3
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// A peer's identifier: SHA-256 of its Ed25519 public key (DESIGN.md §3).
public typealias PeerID = Key256
