import CairnChain
import CairnCrypto
import CairnWire
import NIOCore

/// The byzantine validators of a chain simulation, played by the driver with their keys, the machines left
/// untouched: each time one of them sends its first prevote or precommit of a round, the adversary signs a
/// second one for the same height and round but another (random) block, and sends it to a random half of the
/// validators, so that some count the honest vote and some the conflicting one. Going silent is
/// `SimNetwork.silent`, switched by the run.
struct ChainAdversary {
    /// The byzantine validators' identities, by peer index.
    let identities: [Int: Identity]
    /// Every validator's peer index.
    let validators: [Int]
    var random: SimRandom
    /// The last (height, round, type) each byzantine validator equivocated on.
    private var last: [Int: Position] = [:]
    /// Conflicting votes signed.
    private(set) var equivocations = 0

    struct Position: Hashable {
        var height: Height
        var round: Round
        var type: VoteType
    }

    init(identities: [Int: Identity], validators: [Int], random: SimRandom) {
        self.identities = identities
        self.validators = validators
        self.random = random
    }

    func isByzantine(_ node: Int) -> Bool { identities[node] != nil }

    /// The conflicting votes to send for the votes in `announcement` from byzantine `node`, with their
    /// destinations; none when this position was already equivocated on.
    mutating func conflicting(with announcement: ChainAnnouncement, from node: Int) -> [(to: Int, ChainAnnouncement)] {
        guard let identity = identities[node], case .votes(let list) = announcement else { return [] }
        var out: [(to: Int, ChainAnnouncement)] = []
        for var bytes in list {
            guard let signed = try? bytes.readSignedVote() else { continue }
            let vote = signed.vote
            let position = Position(height: vote.height, round: vote.round, type: vote.type)
            guard last[node] != position else { continue }
            last[node] = position
            var other = vote
            repeat { other.blockHash = random.nextKey() } while other.blockHash == vote.blockHash
            var buffer = ByteBuffer()
            _ = buffer.writeSignedVote(other.signed(by: identity))
            equivocations += 1
            var peers = validators.filter { $0 != node }
            let half = peers.count / 2
            for i in 0..<half {
                peers.swapAt(i, i + random.nextInt(below: peers.count - i))
                out.append((peers[i], .votes([buffer])))
            }
        }
        return out
    }
}

extension PeerSimulator {
    /// Sends the adversary's conflicting votes for what byzantine `node` is sending now.
    mutating func equivocate(_ announcement: ChainAnnouncement, from node: Int) {
        guard var adversary, adversary.isByzantine(node), case .votes = announcement else { return }
        self.adversary = nil
        let extra = adversary.conflicting(with: announcement, from: node)
        self.adversary = adversary
        for (destination, message) in extra {
            messages += 1
            guard !network.crashed[destination], network.connects(node, destination), network.delivers(using: &random)
            else { continue }
            events.push(.announcement(from: Int32(node), to: Int32(destination), .chain(message)),
                        at: now + network.latency(node, destination))
        }
    }
}
