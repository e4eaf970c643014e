import Foundation

/// Query parameters and path segments decoded strictly: Hummingbird's decoding turns invalid UTF-8 into U+FFFD
/// and keeps a malformed `%` escape as it is, which would store a name other than the one sent. Here either
/// the bytes decode to valid UTF-8 or the request is refused with the reason and the offending bytes.
enum StrictQuery {
    /// The first value of `name` in the raw query string (`a=1&b=2`), percent-decoded; nil when absent.
    static func value(_ name: String, in rawQuery: String?) throws(APIError) -> String? {
        guard let rawQuery else { return nil }
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            return try decode(parts.count == 2 ? parts[1] : "", what: name)
        }
        return nil
    }

    /// Percent-decodes `text` (RFC 3986 §2.1) and checks that the bytes are UTF-8.
    static func decode(_ text: Substring, what: String) throws(APIError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw APIError(.badRequest, "\(what) has a malformed percent-escape (a '%' must be followed by two "
                    + "hexadecimal digits): '\(text.prefix(80))'")
            }
            bytes.append(high << 4 | low)
        }
        if let offset = firstInvalidUTF8(bytes) {
            let around = bytes[max(0, offset - 4)..<min(bytes.count, offset + 4)]
                .map { String(format: "%02X", $0) }.joined(separator: " ")
            throw APIError(.badRequest, "\(what) is not valid UTF-8: the byte at offset \(offset) is not part of a "
                + "UTF-8 character (bytes around it: \(around)); send it as UTF-8, percent-encoded")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence, or nil when all are valid.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
