import CairnDHT
import CairnWire

/// Why the machine could not finish a file operation: each case carries what the person needs to act on, and
/// the driver turns it into its own error with the same sentence (CairnNet's `FileError`).
public enum FileFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer providers with room than the code has shards.
    case tooFewProviders(found: Int, needed: Int)
    /// A shard no provider that holds nothing of its segment would take.
    case placementFailed(segment: Int, reason: String)
    /// Too few keepers or holders took a record (descriptor, placement, confirmation); says which and why.
    case recordNotStored(String)
    /// This peer's clock is off from the network's (median of `peers` peers) by more than the DHT tolerates.
    case clockSkew(offset: Duration, peers: Int, tolerance: Duration)
    /// A peer answered with something that does not fit the question (`what` names the question).
    case unexpectedResponse(String)
    /// The operation was asked for with input that cannot be used.
    case invalidRequest(String)
    /// No keeper has a descriptor of the file that checks out.
    case descriptorNotFound(Key256)
    /// This identity is neither the owner nor granted access.
    case noAccess(Key256)
    /// Fewer than k shards of `segment` could be fetched.
    case unavailable(segment: Int, reason: String)

    public var description: String {
        switch self {
        case .tooFewProviders(let found, let needed):
            "only \(found) provider(s) with free space were found, but the erasure code needs \(needed) distinct "
                + "ones: start more peers, free space on them, or choose a smaller n"
        case .placementFailed(let segment, let reason):
            "could not place segment \(segment): \(reason)"
        case .recordNotStored(let what):
            "could not store \(what) on any peer"
        case .clockSkew(let offset, let peers, let tolerance):
            "this peer's clock is \(ClockSkew.describe(offset)) the network's (median of \(peers) peers), more than "
                + "the \(RecordRejection.span(tolerance)) other peers tolerate: they would refuse the records it "
                + "signs; set the clock right (e.g. enable NTP) and try again. Nothing was uploaded"
        case .unexpectedResponse(let what):
            "a peer sent an unexpected answer to \(what)"
        case .invalidRequest(let what):
            what
        case .descriptorNotFound(let id):
            "file \(id.hex) was not found: no peer holds its descriptor (wrong ID, deleted, or its keepers are offline)"
        case .noAccess(let id):
            "this peer's identity may not read file \(id.hex): it is neither the owner nor granted access; "
                + "ask the owner to run `cairn share \(id.hex) --to <this peer's id>`, or use a read capability"
        case .unavailable(let segment, let reason):
            "segment \(segment) cannot be rebuilt: \(reason)"
        }
    }
}
