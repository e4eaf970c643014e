import CairnChain
import CairnCrypto
import HashTreeCollections

/// The storage market's part of the ledger (DESIGN.md §9): providers, agreements, and the current epoch with
/// its challenge seed and the agreements proved in it. Changed only by `MarketExtension`, deterministically.
///
/// The collections a transaction changes are persistent hash tries (`TreeDictionary`, `TreeSet`): checking or
/// applying one transaction works on a copy of the state, and a copy of a `Dictionary` is every entry copied at
/// its first change — a block of 2,000 proof transactions on a 16,000-agreement market copied 32 million
/// agreements. A trie's copy shares everything but the O(log n) nodes on the changed paths.
public struct MarketState: LedgerExtensionState, Equatable {
    /// The epoch the next block belongs to (advanced by the settling block of each epoch).
    public internal(set) var epoch: UInt64
    /// The seed of this epoch's challenges (`MarketClock.seed`).
    public internal(set) var epochSeed: Key256
    public internal(set) var providers: TreeDictionary<PublicKey, MarketProvider>
    /// Every agreement ever opened, ended ones included, by ID.
    public internal(set) var agreements: TreeDictionary<Key256, StorageAgreement>
    /// The agreements with a valid proof posted in this epoch.
    public internal(set) var provedThisEpoch: TreeSet<Key256>
    /// Index of the open agreements (active or marked for repair): what settlement walks, so that an epoch
    /// boundary costs O(open agreements), not O(all ever opened). Derived from `agreements`.
    public internal(set) var openIDs: TreeSet<Key256>
    /// The same index by provider: a provider's own duties (challenges, status, descriptors to fetch) cost
    /// O(its agreements), not O(every open agreement), at each block on each peer. Derived from `agreements`.
    /// Persistent sets: a `Set` of a provider's 10,000 agreements was copied whole when an agreement was opened
    /// on a copy of the state (every transaction a validator's mempool checks).
    public internal(set) var openByProvider: TreeDictionary<PublicKey, TreeSet<Key256>>
    /// The same index by file: a file's holders (for a repair, a descriptor fetch) cost O(its slots), not a walk
    /// of every agreement ever opened, which each provider did for each new agreement. Derived.
    public internal(set) var openByFile: TreeDictionary<Key256, Set<Key256>>
    /// Each provider's open agreements challengeable in this epoch (`startEpoch` ≤ `epoch`), counted when the
    /// epoch opened: the `n` of the audit sample (`MarketParameters.proofSamplePerProvider`). A snapshot, so that
    /// agreements opened, ended or repaired during the epoch do not change who is challenged in it.
    public internal(set) var challengeable: [PublicKey: UInt64]
    /// The sum of `challengeable`: the `N` of the network-wide sample (`MarketParameters.maxChallengesPerEpoch`).
    public internal(set) var challengeableTotal: UInt64 = 0
    /// The open agreements any keeper may repair now (`repairable`): marked for repair, or held by a provider
    /// that is withdrawing or gone. Every peer asks for them after every block it applies: walking every open
    /// agreement for them cost a 10,000-agreement market O(n log n) a block on each peer. Derived.
    public internal(set) var repairableIDs: TreeSet<Key256>
    /// Answers computed from this state, shared by its copies; replaced by every `MarketStep` that changes it.
    public internal(set) var views = MarketViews()

    public init(
        epoch: UInt64, epochSeed: Key256, providers: [PublicKey: MarketProvider] = [:],
        agreements: [Key256: StorageAgreement] = [:], provedThisEpoch: Set<Key256> = []
    ) {
        self.epoch = epoch
        self.epochSeed = epochSeed
        self.providers = TreeDictionary(providers)
        self.agreements = TreeDictionary(agreements)
        self.provedThisEpoch = TreeSet(provedThisEpoch)
        self.openIDs = TreeSet(agreements.values.filter(\.isOpen).map(\.id))
        self.openByProvider = [:]
        self.openByFile = [:]
        for agreement in agreements.values where agreement.isOpen {
            openByProvider[agreement.provider, default: []].insert(agreement.id)
            openByFile[agreement.fileID, default: []].insert(agreement.id)
        }
        self.challengeable = [:]
        self.repairableIDs = []
        recountChallengeable()
        self.repairableIDs = TreeSet(openIDs.filter { id in agreements[id].map(isRepairable) ?? false })
    }

    /// Whether `agreement`, open, may be repaired by any keeper now (the rule `repairableIDs` keeps).
    func isRepairable(_ agreement: StorageAgreement) -> Bool {
        let provider = providers[agreement.provider]
        return agreement.state == .repairNeeded || provider == nil || provider?.status == .withdrawing
    }

    /// The same state from the persistent maps a state already holds (a rebuilt copy's derived indexes).
    public init(
        epoch: UInt64, epochSeed: Key256, providers: TreeDictionary<PublicKey, MarketProvider>,
        agreements: TreeDictionary<Key256, StorageAgreement>
    ) {
        self.init(
            epoch: epoch, epochSeed: epochSeed, providers: Dictionary(uniqueKeysWithValues: providers.map { ($0.key, $0.value) }),
            agreements: Dictionary(uniqueKeysWithValues: agreements.map { ($0.key, $0.value) }))
    }

    /// Takes the audit counts (`challengeable`, `challengeableTotal`) from the open agreements as they are now.
    mutating func recountChallengeable() {
        challengeable = countChallengeable()
        challengeableTotal = challengeable.values.reduce(0, &+)
    }

    /// Each provider's open agreements with `startEpoch` ≤ `epoch`, from the agreements as they are now.
    func countChallengeable() -> [PublicKey: UInt64] {
        var counts: [PublicKey: UInt64] = [:]
        for id in openIDs {
            guard let agreement = agreements[id], agreement.startEpoch <= epoch else { continue }
            counts[agreement.provider, default: 0] += 1
        }
        return counts
    }

    /// The state before any block: epoch 0, seeded from the zero hash (the genesis has no block hash).
    public static let genesis = MarketState(epoch: 0, epochSeed: MarketClock.seed(epoch: 0, previousBlockHash: .zero))

    /// The market's state in `ledger`, or the genesis state before the market has any.
    public static func of(_ ledger: LedgerState) -> MarketState {
        (ledger.extensionStates[MarketExtension.kind] as? MarketState) ?? .genesis
    }

    /// The open agreements' IDs, ascending.
    public var openAgreementIDs: [Key256] { openIDs.sorted() }

    /// `provider`'s open agreements (active or marked for repair), by ID.
    public func openAgreements(ofProvider provider: PublicKey) -> [StorageAgreement] {
        (openByProvider[provider] ?? []).sorted().compactMap { agreements[$0] }
    }
}
