import CairnCrypto
import CairnWire
import NIOCore

/// What a validator must have on disk before a signed message leaves it: the message and its lock at that
/// moment. After a crash the machine is built from the last record, so that it never signs anything for an
/// earlier (height, round, step) nor a different message for the same one, and keeps its lock (Algorithm 1's
/// lockedValue/lockedRound, without which a restarted validator could help a conflicting block to a polka).
public struct SigningRecord: Hashable, Sendable {
    /// A lock: the block this validator precommitted in `round`.
    public struct Lock: Hashable, Sendable {
        public let round: Round
        public let blockHash: Key256

        public init(round: Round, blockHash: Key256) {
            self.round = round
            self.blockHash = blockHash
        }
    }

    public let message: ConsensusMessage
    public let lock: Lock?

    public init(message: ConsensusMessage, lock: Lock?) {
        self.message = message
        self.lock = lock
    }

    /// Where the message stands in the order of signing: height, then round, then step (proposal, prevote,
    /// precommit). A validator signs in strictly increasing positions, or repeats the message it signed.
    public var position: Position {
        switch message {
        case .proposal(let p): Position(height: p.proposal.height, round: p.proposal.round, step: 0)
        case .vote(let v): Position(height: v.vote.height, round: v.vote.round, step: v.vote.type.rawValue)
        }
    }

    public struct Position: Hashable, Comparable, Sendable {
        public let height: Height
        public let round: Round
        /// 0 proposal, 1 prevote, 2 precommit.
        public let step: UInt8

        public static func < (lhs: Position, rhs: Position) -> Bool {
            (lhs.height, lhs.round, lhs.step) < (rhs.height, rhs.round, rhs.step)
        }
    }
}

// SigningRecord: consensus message (see ConsensusMessage+Wire.swift) ‖ flag (1) ‖ [lock round (u32) ‖ hash (32)].

extension ByteBuffer {
    public mutating func readSigningRecord() throws(WireError) -> SigningRecord? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> SigningRecord? in
            guard let message = try buffer.readConsensusMessage(),
                let locked = try buffer.readWireBool("signing record's lock flag")
            else { return nil }
            guard locked else { return SigningRecord(message: message, lock: nil) }
            guard let round = buffer.readInteger(as: Round.self), let hash = buffer.readKey256() else { return nil }
            return SigningRecord(message: message, lock: .init(round: round, blockHash: hash))
        }
    }

    @discardableResult
    public mutating func writeSigningRecord(_ record: SigningRecord) -> Int {
        let start = writerIndex
        writeConsensusMessage(record.message)
        writeWireBool(record.lock != nil)
        if let lock = record.lock {
            writeInteger(lock.round)
            writeKey256(lock.blockHash)
        }
        return writerIndex - start
    }
}
