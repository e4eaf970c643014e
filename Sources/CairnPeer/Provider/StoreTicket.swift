/// Names one store operation the machine asked for (`PeerAction.store`), so that its outcome
/// (`PeerEvent.storeCompleted`) finds the request that waits for it.
public struct StoreTicket: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "store#\(rawValue)" }
}
