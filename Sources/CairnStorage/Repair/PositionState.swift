/// What a check found at one position (segment, slot) of a file.
public enum PositionState: String, Hashable, Sendable, Codable {
    /// The holder has the shard (and, with `--verify`, proved it).
    case healthy
    /// No record names a holder, the holder did not answer, or it does not have the shard.
    case missing
    /// The holder answered a challenge with a proof that does not check out, or its copy was corrupt.
    case failed
}
