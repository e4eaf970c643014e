/// What a `GET` with a `Range` header gets, as this API answers it (RFC 9110 §14).
///
/// RFC 9110 §14.2: "A server MAY ignore the Range header field." We answer a single range with 206 and ignore
/// anything else — a syntax we do not understand, another unit, several ranges — by sending the whole file with
/// 200, which every client must accept. A file's content never changes under its ID, so a resumed download
/// cannot splice two versions together.
public enum ByteRangeRequest: Hashable, Sendable {
    /// 200 and the whole file.
    case whole
    /// 206 and these bytes (both ends included, within the file).
    case partial(ClosedRange<UInt64>)
    /// 416: the one range asked for starts at or past the end of the file.
    case unsatisfiable

    /// Reads `header` (the `Range` field's value, nil when absent) against a file of `size` bytes.
    public init(header: String?, size: UInt64) {
        guard let header else {
            self = .whole
            return
        }
        // ranges-specifier = range-unit "=" range-set; the unit is case-insensitive (§14.1).
        let parts = header.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].trimmed.lowercased() == "bytes" else {
            self = .whole
            return
        }
        let specs = parts[1].split(separator: ",", omittingEmptySubsequences: false).map(\.trimmed)
        guard specs.count == 1, let spec = specs.first else {
            self = .whole
            return
        }
        self = Self.single(spec, size: size)
    }

    /// One range-spec (§14.1.2): `first-last`, `first-` or `-suffix`.
    private static func single(_ spec: Substring, size: UInt64) -> ByteRangeRequest {
        guard let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        if firstText.isEmpty {
            // suffix-range: the last n bytes; "-0" can never be satisfied.
            guard let suffix = Self.digits(lastText) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial((size - min(suffix, size))...(size - 1))
        }
        guard let first = Self.digits(firstText) else { return .whole }
        var last = size == 0 ? 0 : size - 1
        if !lastText.isEmpty {
            // "A client MUST NOT generate an int-range with a last-pos less than its first-pos": ignore it.
            guard let given = Self.digits(lastText), given >= first else { return .whole }
            last = min(given, last)
        }
        guard first < size else { return .unsatisfiable }
        return .partial(first...last)
    }

    /// 1*DIGIT; a value too large for 64 bits is larger than any file, which `min` and `<` handle.
    private static func digits(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(text) ?? .max
    }
}

extension Substring {
    fileprivate var trimmed: Substring {
        let blank: Set<Character> = [" ", "\t"]
        var text = self
        while let first = text.first, blank.contains(first) { text = text.dropFirst() }
        while let last = text.last, blank.contains(last) { text = text.dropLast() }
        return text
    }
}
