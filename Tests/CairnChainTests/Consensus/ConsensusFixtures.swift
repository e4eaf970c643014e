import CairnCrypto
import CairnWire

@testable import CairnChain

/// Deterministic identities, sets and signed messages for the consensus tests.
enum Fixture {
    static let chain = ChainID(SHA256.hash(Array("cairn consensus test chain".utf8)))
    static let otherChain = ChainID(SHA256.hash(Array("another chain".utf8)))

    static func identity(_ n: Int) -> Identity {
        Identity(seed: [UInt8](repeating: UInt8(truncatingIfNeeded: n + 1), count: 32))!
    }

    static func identities(_ count: Int) -> [Identity] { (0..<count).map(identity) }

    static func set(_ identities: [Identity], powers: [UInt64]? = nil) -> ValidatorSet {
        let powers = powers ?? Array(repeating: 1, count: identities.count)
        return try! ValidatorSet(zip(identities.map(\.publicKey), powers).map { ($0, $1) })
    }

    static func block(_ name: String) -> Key256 { SHA256.hash(Array(name.utf8)) }

    static func vote(
        _ signer: Identity, _ type: VoteType, height: Height = 1, round: Round = 0, _ hash: Key256?,
        chain: ChainID = chain
    ) -> SignedVote {
        Vote(chainID: chain, type: type, height: height, round: round, blockHash: hash, validator: signer.publicKey)
            .signed(by: signer)
    }

    static func proposal(
        _ signer: Identity, height: Height = 1, round: Round = 0, polRound: Round? = nil,
        _ hash: Key256
    ) -> SignedProposal {
        Proposal(
            chainID: chain, height: height, round: round, polRound: polRound, blockHash: hash,
            proposer: signer.publicKey
        ).signed(by: signer)
    }
}

extension Array where Element == ConsensusAction {
    /// The votes signed in these actions, in order.
    var votes: [Vote] {
        compactMap {
            if case .persistAndBroadcast(let record) = $0, case .vote(let v) = record.message { return v.vote }
            return nil
        }
    }

    var proposals: [Proposal] {
        compactMap {
            if case .persistAndBroadcast(let record) = $0, case .proposal(let p) = record.message { return p.proposal }
            return nil
        }
    }

    var records: [SigningRecord] {
        compactMap {
            if case .persistAndBroadcast(let record) = $0 { return record }
            return nil
        }
    }

    var timeouts: [(ConsensusTimeout, Instant)] {
        compactMap {
            if case .armTimeout(let t, let at) = $0 { return (t, at) }
            return nil
        }
    }

    var commits: [Commit] {
        compactMap {
            if case .commit(let c) = $0 { return c }
            return nil
        }
    }

    var evidence: [Equivocation] {
        compactMap {
            if case .evidence(let e) = $0 { return e }
            return nil
        }
    }
}

/// Four validators of power 1, named by their place in the proposer schedule of height 1: `proposers[r]`
/// proposes round r (rounds 0–3 have four different proposers).
struct FourValidators {
    let set: ValidatorSet
    let proposers: [Identity]

    init() {
        let ids = Fixture.identities(4)
        let set = Fixture.set(ids)
        self.set = set
        proposers = (0..<4).map { round in
            ids.first { $0.publicKey == set.proposer(forRound: Round(round)).publicKey }!
        }
    }

    func machine(_ identity: Identity?, lastSigned: SigningRecord? = nil, config: ConsensusConfig = .init())
        -> TendermintMachine
    {
        TendermintMachine(
            chainID: Fixture.chain, height: 1, validators: set, identity: identity,
            lastSigned: lastSigned, config: config)
    }
}
