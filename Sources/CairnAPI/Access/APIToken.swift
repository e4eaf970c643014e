import CairnCrypto

/// The secret that every API request but the health check carries as `Authorization: Bearer TOKEN`
/// (DESIGN.md §8): without it, any process on the machine, and any web page the owner visits, could drive the
/// peer — list its files, share them, delete them.
public struct APIToken: Sendable, Equatable, CustomStringConvertible {
    /// The token as sent on the wire.
    public let value: String

    /// Longest token read from a file or the environment; generated ones are 64 characters.
    static let maxLength = 256

    /// 32 random bytes as 64 hexadecimal digits: unguessable, and safe in a header, a shell and a URL.
    public static func generate() -> APIToken {
        APIToken(checked: Random.bytes(32).map { String($0, radix: 16).leftPadded(to: 2) }.joined())
    }

    /// A token as read from a file or `CAIRN_API_TOKEN`, surrounding whitespace dropped; nil when empty, too
    /// long, or not made of visible ASCII (RFC 6750's `b64token` is narrower still, and ours fit it).
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        guard (16...Self.maxLength).contains(trimmed.utf8.count),
            trimmed.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        self.value = trimmed
    }

    private init(checked value: String) { self.value = value }

    /// Whether `presented` is this token, in a time that depends on the lengths only: where the first
    /// difference lies must not leak to a client that measures response times.
    public func matches<S: StringProtocol>(_ presented: S) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(presented.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    /// Never the secret itself, so that a token passed to a logger or `print` does not leak.
    public var description: String { "APIToken(\(value.utf8.count) characters)" }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
