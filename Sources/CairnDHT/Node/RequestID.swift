import CairnWire

/// Names one request a node sent, so that the driver can hand back its response or failure.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { "req#\(rawValue)" }
}
