import Foundation

// The JSON bodies of the local HTTP API. The CLI decodes the very same types, and `--json` prints them,
// so scripts see one schema whichever way they ask.

public struct IDResponse: Codable, Sendable {
    public var id: String
    public var addresses: [String]

    public init(id: String, addresses: [String]) {
        self.id = id
        self.addresses = addresses
    }
}

public struct PeersResponse: Codable, Sendable {
    public struct Peer: Codable, Sendable {
        public var id: String
        public var address: String
        /// ISO 8601, UTC.
        public var lastSeen: String

        enum CodingKeys: String, CodingKey {
            case id, address
            case lastSeen = "last_seen"
        }

        public init(id: String, address: String, lastSeen: String) {
            self.id = id
            self.address = address
            self.lastSeen = lastSeen
        }
    }

    public var peers: [Peer]

    public init(peers: [Peer]) { self.peers = peers }
}

public struct ClosestResponse: Codable, Sendable {
    public var key: String
    /// Sorted by XOR distance to `key`, at most k.
    public var peers: [String]
    public var hops: Int
    public var ms: Double

    public init(key: String, peers: [String], hops: Int, ms: Double) {
        self.key = key
        self.peers = peers
        self.hops = hops
        self.ms = ms
    }
}

public struct ProvideResponse: Codable, Sendable {
    public var key: String
    public var storedAt: Int

    enum CodingKeys: String, CodingKey {
        case key
        case storedAt = "stored_at"
    }

    public init(key: String, storedAt: Int) {
        self.key = key
        self.storedAt = storedAt
    }
}

public struct ProvidersResponse: Codable, Sendable {
    public var key: String
    public var providers: [String]

    public init(key: String, providers: [String]) {
        self.key = key
        self.providers = providers
    }
}

/// `GET /api/v0/health`.
public struct HealthResponse: Codable, Sendable {
    public var status: String

    public init(status: String) { self.status = status }
}

/// Every API error: `{"error": "sentence"}` with an HTTP status that fits.
public struct ErrorResponse: Codable, Sendable {
    public var error: String

    public init(error: String) { self.error = error }
}

extension JSONEncoder {
    /// Stable output for people and diffs: sorted keys.
    public static var cairn: JSONEncoder {
        let encoder = JSONEncoder()
        // Slashes unescaped: paths in messages read as paths.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
