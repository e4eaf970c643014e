import CairnCrypto
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

    struct Table {
        var entries: [Key: Entry] = [:]
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
            while table.highest < height {
                table.highest += 1
                guard table.highest >= heights else { continue }
                for old in table.keysByHeight.removeValue(forKey: table.highest - heights) ?? [] {
                    table.entries[old] = nil
                }
            }
        }
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
