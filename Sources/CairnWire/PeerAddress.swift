/// Where a peer listens: an IPv4 or IPv6 literal or host name, and a TCP port. Printed as `host:port`
/// (`[v6]:port` for IPv6).
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// Longest host string accepted from the wire or the command line.
    public static let maxHostLength = 255

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`. Nil when the port is missing, zero or out of range, or the host is empty.
    public init?(parsing text: String) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, host.utf8.count <= PeerAddress.maxHostLength,
            let port = UInt16(portText), port != 0
        else { return nil }
        host = host.drop(while: { $0 == " " })
        self.init(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A peer as the DHT knows it: who (PeerID) and where to dial it.
public struct PeerInfo: Hashable, Sendable, CustomStringConvertible {
    public var id: PeerID
    public var address: PeerAddress

    public init(id: PeerID, address: PeerAddress) {
        self.id = id
        self.address = address
    }

    public var description: String { "\(id.shortHex)@\(address)" }
}
