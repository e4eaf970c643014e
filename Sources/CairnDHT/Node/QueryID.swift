import CairnWire

/// Names one query started with `DHTNode.startQuery`; its `.finished` action carries it back.
public struct QueryID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: QueryID, rhs: QueryID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "query#\(rawValue)" }
}
