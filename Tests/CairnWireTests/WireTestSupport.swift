import CairnWire
import NIOCore

/// SplitMix64: a tiny seeded generator, so corruption and fuzz tests are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Bytes from hexadecimal text; spaces and newlines are ignored so vectors can be laid out field by field.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0 >> 4, radix: 16) + String($0 & 0x0f, radix: 16) }.joined()
}

func encoded(_ message: WireMessage) -> [UInt8] {
    Array(WireCodec.encode(message).readableBytesView)
}

func decode(_ bytes: [UInt8]) throws(WireError) -> WireMessage {
    var buffer = ByteBuffer(bytes: bytes)
    return try WireCodec.decode(&buffer)
}

/// Deterministic values for codec tests.
enum Samples {
    static func identity(_ n: UInt8) -> Identity { Identity(seed: [UInt8](repeating: n, count: 32))! }

    static func key(_ n: UInt8) -> Key256 { SHA256.hash([n]) }

    static let addresses = [
        PeerAddress(host: "203.0.113.7", port: 4001),
        PeerAddress(host: "2001:db8::1", port: 65535),
        PeerAddress(host: "pär.example", port: 1),
    ]

    static func peers(_ count: Int) -> [PeerInfo] {
        (0..<count).map { PeerInfo(id: key(UInt8(truncatingIfNeeded: $0)), address: addresses[$0 % addresses.count]) }
    }

    static let peerRecord = PeerRecord(
        identity: identity(1), addresses: addresses, issued: .seconds(1_700_000_000), expires: .seconds(1_700_086_400))

    static let providerRecord = ProviderRecord(
        key: key(9), identity: identity(2), addresses: [addresses[0]], expires: .seconds(1_800_000_000))

    static let maxedPeerRecord = PeerRecord(
        identity: identity(3),
        addresses: (0..<PeerRecord.maxAddresses).map {
            PeerAddress(host: String(repeating: "h", count: PeerAddress.maxHostLength), port: UInt16(1000 + $0))
        },
        issued: Instant(nanoseconds: .min), expires: Instant(nanoseconds: .max))

    /// One of each message kind, plus the extremes of ids and lists.
    static let messages: [WireMessage] = [
        .announcement(.dht(.leaving)),
        .request(id: 0, .dht(.ping)),
        .request(id: .max, .dht(.findNode(target: key(1)))),
        .request(id: 2, .dht(.getPeerRecord(key(2)))),
        .request(id: 3, .dht(.putPeerRecord(peerRecord))),
        .request(id: 4, .dht(.putPeerRecord(maxedPeerRecord))),
        .request(id: 5, .dht(.getProviders(key: key(3)))),
        .request(id: 6, .dht(.addProvider(providerRecord))),
        .response(id: 0, .dht(.pong)),
        .response(id: 1, .dht(.nodes([]))),
        .response(id: 2, .dht(.nodes(peers(DHTRequest.maxPeersPerResponse)))),
        .response(id: 3, .dht(.peerRecord(nil, closer: peers(3)))),
        .response(id: 4, .dht(.peerRecord(peerRecord, closer: []))),
        .response(id: 5, .dht(.providers([], closer: peers(1)))),
        .response(id: 6, .dht(.providers([providerRecord, providerRecord], closer: peers(20)))),
        .response(id: 7, .dht(.stored)),
        .response(id: 8, .dht(.refused("record expired"))),
        .response(id: 9, .dht(.refused(""))),
        .response(id: 10, .error(RemoteError(code: .overloaded, message: "too many requests; retry in 2 s ⏳"))),
    ]
}
