/// A timer the machine asks for with `.armTimeout` and is told about with `timeoutFired`: Algorithm 1's
/// OnTimeoutPropose (line 57), OnTimeoutPrevote (61) and OnTimeoutPrecommit (65) of one height and round.
/// The driver need not cancel timers: a stale one is ignored.
public struct ConsensusTimeout: Hashable, Sendable, CustomStringConvertible {
    public enum Step: UInt8, Hashable, Sendable {
        case propose, prevote, precommit
    }

    public let height: Height
    public let round: Round
    public let step: Step

    public init(height: Height, round: Round, step: Step) {
        self.height = height
        self.round = round
        self.step = step
    }

    public var description: String { "timeout \(step) h\(height) r\(round)" }
}
