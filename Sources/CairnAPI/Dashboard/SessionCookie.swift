import CairnCrypto

/// The dashboard's session cookie: its name, its `Set-Cookie` line and how it is read back from `Cookie`.
///
/// Cookies are scoped by host, not by port (RFC 6265 §8.5), so every peer on 127.0.0.1 sees the others'
/// cookies: the name carries the peer's ID, so that logging in to one peer's dashboard does not log the
/// browser out of another's.
public struct SessionCookie: Sendable, Equatable {
    public let name: String

    public init(peerID: Key256) {
        self.name = "cairn_session_" + peerID.hex.prefix(16)
    }

    /// `HttpOnly`: no script, an injected one included, can read the session. `SameSite=Strict`: no other site
    /// can make the browser send it, not even a link followed from elsewhere. No `Secure`: the API is plain HTTP
    /// on loopback (a browser treats 127.0.0.1 and localhost as secure contexts all the same).
    public func setCookie(value: String, maxAgeSeconds: Int64) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Strict"
    }

    /// The `Set-Cookie` line that makes the browser forget the cookie.
    public var expired: String { setCookie(value: "", maxAgeSeconds: 0) }

    /// The value of this cookie in a `Cookie` header (`a=1; b=2`), or nil when it is not there.
    public func value(in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop(while: { $0 == " " })
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == name[...] {
                let value = trimmed[trimmed.index(after: equals)...]
                return value.isEmpty ? nil : String(value)
            }
        }
        return nil
    }
}
