import CairnCrypto
import NIOCore
import Synchronization

/// The states that committed blocks led to, shared by the peers of one simulation (`ChainMachineConfig.appliedBlocks`);
/// `cairn run` has none.
///
/// Why it is honest: the state after a block is a pure function of the state before it and the block, and the
/// state before it of the chain of block hashes back to the genesis. Every peer of one simulated network starts
/// from one genesis, so a block applied by one peer on top of a given parent hash gives every other peer the same
/// state: 10,000 simulated peers need not apply one block 10,000 times. Like `SignatureMemo`, it keeps only
/// successes, under their whole input (parent hash, block hash, whether the signatures were already verified, and
/// the validator set the block was applied under): a block that does not apply is applied, and refused, by every
/// peer. One memo belongs to one simulated network: two networks with different genesis files could commit
/// blocks with equal hashes on different states, so the memo is never process-wide.
///
/// Holds the states of the last `heights` heights applied (a peer further behind applies its blocks itself). The
/// states share their storage with the peers that hold them (copy-on-write), so the memo costs little more than
/// the peers' own states.
public final class AppliedBlockMemo: Sendable {
    struct Key: Hashable {
        var parent: Key256
        var block: Key256
        var signaturesVerified: Bool
    }

    /// What applying a block led to.
    public struct Entry: Sendable {
        public var ledger: LedgerState
        /// The validator set the block was applied under, and the next height's.
        public var validatorsBefore: ValidatorSet
        public var validatorsAfter: ValidatorSet
    }

    /// A block as decoded from its bytes, and the bytes, as a peer stores them (`body`) and serves them
    /// (`encoded`, shared by every peer that synced the block, so that the next peer's lookup compares one
    /// buffer with itself).
    public struct DecodedBlock: Sendable {
        public var block: Block
        public var body: [UInt8]
        public var encoded: ByteBuffer

        public init(block: Block, body: [UInt8], encoded: ByteBuffer) {
            self.block = block
            self.body = body
            self.encoded = encoded
        }
    }

    struct Table {
        var entries: [Key: Entry] = [:]
        /// Blocks decoded, by the hash their commit names: decoding is a pure function of the bytes, and every
        /// follower of a simulated network decodes each block it syncs (a block of 2,000 proof transactions
        /// costs milliseconds). A lookup compares the bytes (`decoded(hash:bytes:)`): the hash is a claim.
        var decoded: [Key256: [DecodedBlock]] = [:]
        var decodedByHeight: [Height: [Key256]] = [:]
        /// The network's genesis state, built once rather than by each of its peers.
        var genesis: LedgerState?
        var keysByHeight: [Height: [Key]] = [:]
        var highest: Height = 0
        var hits: UInt64 = 0
        var misses: UInt64 = 0
    }

    public let heights: Height
    private let table = Mutex(Table())

    /// A memo of the states of the last `heights` heights (at least 1).
    public init(heights: Int = 64) {
        self.heights = Height(max(1, heights))
    }

    /// The state `block` (at `height`) led to on top of `parent`, applied under `validators`, if a peer of this
    /// network applied it already.
    public func entry(
        parent: Key256, block: Key256, signaturesVerified: Bool, validators: ValidatorSet
    ) -> Entry? {
        table.withLock { table in
            let key = Key(parent: parent, block: block, signaturesVerified: signaturesVerified)
            guard let entry = table.entries[key], entry.validatorsBefore == validators else {
                table.misses += 1
                return nil
            }
            table.hits += 1
            return entry
        }
    }

    /// Records that `block` at `height`, applied on top of `parent`, led to `entry`. Heights more than `heights`
    /// below the highest one recorded are dropped, and not recorded.
    public func remember(parent: Key256, block: Key256, height: Height, signaturesVerified: Bool, _ entry: Entry) {
        table.withLock { table in
            guard height + heights > table.highest else { return }
            let key = Key(parent: parent, block: block, signaturesVerified: signaturesVerified)
            guard table.entries.updateValue(entry, forKey: key) == nil else { return }
            table.keysByHeight[height, default: []].append(key)
            Self.advance(&table, to: height, keeping: heights)
        }
    }

    /// Moves the highest height to `height`, dropping what falls out of the last `heights`.
    private static func advance(_ table: inout Table, to height: Height, keeping heights: Height) {
        while table.highest < height {
            table.highest += 1
            guard table.highest >= heights else { continue }
            for old in table.keysByHeight.removeValue(forKey: table.highest - heights) ?? [] {
                table.entries[old] = nil
            }
            for old in table.decodedByHeight.removeValue(forKey: table.highest - heights) ?? [] {
                table.decoded[old] = nil
            }
        }
    }

    /// The genesis state of this memo's network: `make()` the first time, the same state after.
    public func genesis(_ make: () throws -> LedgerState) rethrows -> LedgerState {
        if let known = table.withLock({ $0.genesis }) { return known }
        let made = try make()
        table.withLock { $0.genesis = made }
        return made
    }

    /// The block decoded from exactly `bytes`, if a peer of this network decoded it already under the block hash
    /// `hash` (the one its commit names). The bytes are compared, not trusted: a buffer that shares the memo's
    /// storage is the same at no cost; others cost a `memcmp`, a twentieth of hashing them (a simulated network
    /// spent a third of its time on SHA-256 of every block every follower synced).
    public func decoded(hash: Key256, bytes: ByteBuffer) -> DecodedBlock? {
        table.withLock { table in
            table.decoded[hash]?.first { Self.sameBytes($0.encoded, bytes) }
        }
    }

    /// Records `decoded`, the block decoded from `decoded.encoded`, under its hash (dropped, as states are, once
    /// its height is more than `heights` below the highest).
    public func rememberDecoded(_ decoded: DecodedBlock) {
        let height = decoded.block.header.height
        let hash = decoded.block.hash
        table.withLock { table in
            guard height + heights > table.highest else { return }
            if let known = table.decoded[hash] {
                guard !known.contains(where: { Self.sameBytes($0.encoded, decoded.encoded) }) else { return }
                table.decoded[hash]!.append(decoded)
                return
            }
            table.decoded[hash] = [decoded]
            table.decodedByHeight[height, default: []].append(hash)
            Self.advance(&table, to: height, keeping: heights)
        }
    }

    static func sameBytes(_ a: ByteBuffer, _ b: ByteBuffer) -> Bool {
        a.withUnsafeReadableBytes { x in b.withUnsafeReadableBytes { y in x.hasSameBytes(as: y) } }
    }

    /// Lookups answered from the memo and lookups that missed.
    public var counts: (hits: UInt64, misses: UInt64) {
        table.withLock { ($0.hits, $0.misses) }
    }

    /// Blocks whose states the memo holds.
    public var count: Int { table.withLock { $0.entries.count } }
}

extension AppliedBlockMemo: Hashable {
    /// One memo is one network's: two memos are equal only when they are the same object.
    public static func == (a: AppliedBlockMemo, b: AppliedBlockMemo) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
