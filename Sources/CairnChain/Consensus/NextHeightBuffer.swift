import CairnCrypto

/// Signed messages for the height after the current one, kept until the machine gets there (their validator
/// set is not known yet, so only their signatures were checked). Bounded: at most
/// `ConsensusConfig.maxBufferedPerSender` messages per signing key and `maxBuffered` in all; beyond that new
/// ones are dropped, so that a flood costs at most a fixed amount of memory.
struct NextHeightBuffer: Sendable {
    private var messages: [ConsensusMessage] = []
    private var seen: Set<ConsensusMessage> = []
    private var perSender: [PublicKey: Int] = [:]

    var count: Int { messages.count }

    mutating func keep(_ message: ConsensusMessage, config: ConsensusConfig) {
        let sender =
            switch message {
            case .proposal(let p): p.proposal.proposer
            case .vote(let v): v.vote.validator
            }
        guard messages.count < config.maxBuffered, perSender[sender, default: 0] < config.maxBufferedPerSender,
            seen.insert(message).inserted
        else { return }
        perSender[sender, default: 0] += 1
        messages.append(message)
    }

    /// Every kept message, in arrival order; empties the buffer.
    mutating func drain() -> [ConsensusMessage] {
        defer {
            messages = []
            seen = []
            perSender = [:]
        }
        return messages
    }
}
