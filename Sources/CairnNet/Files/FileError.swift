import CairnDHT
import CairnWire

/// Why a file operation failed, in a sentence that says what to do.
public enum FileError: Error, CustomStringConvertible, Sendable {
    case tooFewProviders(found: Int, needed: Int)
    case placementFailed(segment: Int, reason: String)
    case descriptorNotFound(Key256)
    case noAccess(Key256)
    case notOwner(Key256)
    case unavailable(segment: Int, reason: String)
    case peerNotFound(PeerID)
    case recordNotStored(String)
    case unexpectedResponse(String)
    case invalidRequest(String)
    /// This peer's clock is off from the network's (median of `peers` peers) by more than the DHT tolerates.
    case clockSkew(offset: Duration, peers: Int, tolerance: Duration)
    /// The key at hand does not open the file: the descriptor's sealed name does not open with it.
    case wrongKey(Key256, source: KeySource)

    public var description: String {
        switch self {
        case .tooFewProviders(let found, let needed):
            "only \(found) provider(s) with free space were found, but the erasure code needs \(needed) distinct "
                + "ones: start more peers, free space on them, or choose a smaller n"
        case .placementFailed(let segment, let reason):
            "could not place segment \(segment): \(reason)"
        case .descriptorNotFound(let id):
            "file \(id.hex) was not found: no peer holds its descriptor (wrong ID, deleted, or its keepers are offline)"
        case .noAccess(let id):
            "this peer's identity may not read file \(id.hex): it is neither the owner nor granted access; "
                + "ask the owner to run `cairn share \(id.hex) --to <this peer's id>`, or use a read capability"
        case .notOwner(let id):
            "only the owner of file \(id.hex) may do that"
        case .unavailable(let segment, let reason):
            "segment \(segment) cannot be rebuilt: \(reason)"
        case .peerNotFound(let id):
            "peer \(id.hex) was not found in the network"
        case .recordNotStored(let what):
            "could not store \(what) on any peer"
        case .unexpectedResponse(let what):
            "a peer sent an unexpected answer to \(what)"
        case .invalidRequest(let what):
            what
        case .clockSkew(let offset, let peers, let tolerance):
            "this peer's clock is \(ClockSkew.describe(offset)) the network's (median of \(peers) peers), more than "
                + "the \(RecordRejection.span(tolerance)) other peers tolerate: they would refuse the records it "
                + "signs; set the clock right (e.g. enable NTP) and try again. Nothing was uploaded"
        case .wrongKey(let id, let source):
            switch source {
            case .capability:
                "the key in this read capability does not open file \(id.hex): the capability is wrong, truncated or "
                    + "altered; ask the owner for it again"
            case .grant:
                "the key in your access grant does not open file \(id.hex): ask the owner to share it again"
            case .owner:
                "the key sealed in the descriptor of file \(id.hex) does not open it: the descriptor is damaged"
            }
        }
    }

    /// Where a file key came from, for the message that says it is wrong.
    public enum KeySource: Sendable {
        case capability, grant, owner
    }
}
