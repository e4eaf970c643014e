/// A `Host` header's value, or an origin's authority, as the host and the port (RFC 9110 §7.2, RFC 3986
/// §3.2.2): `localhost:5002`, `[::1]:5002`, `cairn.example`. Hosts are compared in lower case; an IPv6
/// literal is kept without its brackets.
public struct HostAuthority: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    /// Nil when the authority names none: the scheme's default applies.
    public var port: Int?

    public init(host: String, port: Int?) {
        self.host = host.lowercased()
        self.port = port
    }

    /// Nil for anything that is not `host[:port]`: empty hosts, user info, paths, ports out of range.
    public init?(parsing text: some StringProtocol) {
        let text = Substring(text)
        guard !text.isEmpty, !text.contains(where: { $0 == "@" || $0 == "/" || $0.isWhitespace }) else { return nil }
        var hostPart: Substring
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portPart = rest.dropFirst()
            }
            guard hostPart.contains(":") else { return nil }
        } else {
            let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return nil }
            hostPart = pieces[0]
            portPart = pieces.count == 2 ? pieces[1] : nil
        }
        guard !hostPart.isEmpty else { return nil }
        var port: Int?
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCII),
                let value = Int(portPart), (1...65535).contains(value)
            else { return nil }
            port = value
        }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port.map { "\(host):\($0)" } ?? host
    }

    /// The loopback names a local client may use for the API, whatever address it is bound to.
    static let loopbackHosts = ["127.0.0.1", "localhost", "::1"]

    /// True for an address that only this machine can reach: 127.0.0.0/8, ::1, localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
