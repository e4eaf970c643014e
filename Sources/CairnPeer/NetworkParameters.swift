import CairnChain
import CairnMarket
import CairnDHT
import CairnWire
import Foundation

/// The parameters every peer of one network must agree on, read from the genesis file
/// (`bootstrap/genesis.json`). Peers of different networks refuse each other in the handshake because
/// `networkID` — the SHA-256 of the genesis file's canonical JSON — differs.
public struct NetworkParameters: Codable, Hashable, Sendable {
    public var network: String
    /// S/Kademlia static puzzle: leading zero bits required of SHA-256(PeerID).
    public var puzzleBits: Int
    public var k: Int
    public var alpha: Int
    public var segmentBytes: Int
    public var erasureK: Int
    public var erasureN: Int
    /// Addresses of the network's well-known bootstrap peers.
    public var bootstrap: [String]
    /// The chain's rules, first accounts and validators (DESIGN.md §6); nil for a network without a chain.
    public var chain: ChainParameters?

    enum CodingKeys: String, CodingKey {
        case network
        case puzzleBits = "puzzle_bits"
        case k, alpha
        case segmentBytes = "segment_bytes"
        case erasureK = "erasure_k"
        case erasureN = "erasure_n"
        case bootstrap
        case chain
    }

    /// The parameters compiled into the binary; identical to `bootstrap/genesis.json` (a test checks it),
    /// so that `cairn` runs with no file at hand.
    public static let embedded = NetworkParameters(
        network: "cairn-localnet-1", puzzleBits: 8, k: 20, alpha: 3, segmentBytes: 4 * 1024 * 1024,
        erasureK: 4, erasureN: 8, bootstrap: ["127.0.0.1:4100"], chain: .localNetwork
    )

    public init(
        network: String, puzzleBits: Int, k: Int, alpha: Int, segmentBytes: Int, erasureK: Int, erasureN: Int,
        bootstrap: [String], chain: ChainParameters? = nil
    ) {
        self.chain = chain
        self.network = network
        self.puzzleBits = puzzleBits
        self.k = k
        self.alpha = alpha
        self.segmentBytes = segmentBytes
        self.erasureK = erasureK
        self.erasureN = erasureN
        self.bootstrap = bootstrap
    }

    /// Reads and validates a genesis file.
    public static func load(from path: String) throws -> NetworkParameters {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PeerSetupError.unreadableFile(path)
        }
        let parameters: NetworkParameters
        do {
            parameters = try JSONDecoder().decode(NetworkParameters.self, from: data)
        } catch {
            throw PeerSetupError.invalidGenesis(path: path, reason: "\(error)")
        }
        try parameters.validate(source: path)
        return parameters
    }

    public func validate(source: String) throws {
        func fail(_ reason: String) -> PeerSetupError { .invalidGenesis(path: source, reason: reason) }
        guard !network.isEmpty else { throw fail("network name is empty") }
        guard (0...24).contains(puzzleBits) else { throw fail("puzzle_bits must be 0...24, got \(puzzleBits)") }
        guard (1...64).contains(k) else { throw fail("k must be 1...64, got \(k)") }
        guard (1...16).contains(alpha) else { throw fail("alpha must be 1...16, got \(alpha)") }
        guard erasureK >= 1, erasureK < erasureN, erasureN <= 32 else {
            throw fail("erasure code needs 1 ≤ erasure_k < erasure_n ≤ 32, got \(erasureK)-of-\(erasureN)")
        }
        for address in bootstrap where PeerAddress(parsing: address) == nil {
            throw fail("bootstrap address '\(address)' is not host:port")
        }
        if let chain {
            do {
                try chain.validate()
            } catch {
                throw fail("\(error)")
            }
            guard chain.maxBlockBytes <= UInt32(ChainLimits.maxBlockBytes) else {
                throw fail("chain.max_block_bytes must be at most \(ChainLimits.maxBlockBytes), got \(chain.maxBlockBytes)")
            }
        }
    }

    /// SHA-256 of the canonical (sorted-key) JSON encoding.
    public var networkID: Key256 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(Array(data))
    }

    /// The chain's ID: the network's, so that nothing signed for one network is valid on another.
    public var chainID: ChainID { ChainID(networkID) }

    /// The rules every peer of this network applies to its chain: the `chain` section, the chain ID, and the
    /// storage market when the section has a `market` (DESIGN.md §9). Nil on a network without a chain.
    public var ledgerRules: LedgerRules? {
        guard let chain else { return nil }
        let market = MarketExtension(chain: chain)
        return LedgerRules(params: chain, chainID: chainID, extensions: LedgerExtensions(market.map { [$0] } ?? []))
    }

    /// The DHT's tunables as this network fixes them.
    public var dhtConfig: DHTConfig {
        var config = DHTConfig()
        config.k = k
        config.alpha = alpha
        return config
    }
}
