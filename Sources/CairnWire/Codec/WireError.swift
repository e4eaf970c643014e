/// Why bytes from a peer were refused. Each case names the part of the message at fault, so that a log line
/// says what the remote peer got wrong.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended before the named field was complete.
    case truncated(reading: String)
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    /// A tag (sub-protocol, operation, code) this version does not know.
    case unknownTag(UInt8, in: String)
    case tooManyItems(count: Int, max: Int, in: String)
    /// A string or byte string longer than its field allows.
    case oversized(length: Int, max: Int, in: String)
    case badUTF8(in: String)
    /// Well-formed bytes that do not make a valid value (an empty host, port 0, a boolean that is not 0 or 1).
    case invalidValue(String, in: String)
    /// Bytes left over after a complete message: the sender and this decoder disagree on the layout.
    case trailingBytes(Int)
    /// A frame's length prefix announced more bytes than this connection accepts.
    case frameTooLarge(Int)
    /// Request `id` names a protocol, an operation or a value this version does not know (`unknownTag`, most
    /// likely from a newer peer): the request is answered with an error and the connection stays open, so that a
    /// request added later costs an older peer only that answer.
    case unsupportedRequest(id: UInt64, tag: UInt8, in: String)

    public var description: String {
        switch self {
        case .truncated(let what):
            "the message ended early, while reading the \(what)"
        case .unsupportedVersion(let version):
            "the peer speaks wire protocol version \(version), but this program speaks version "
                + "\(WireCodec.protocolVersion); upgrade the older of the two"
        case .unknownKind(let kind):
            "message kind \(kind) is neither a request (0) nor a response (1)"
        case .unknownTag(let tag, let what):
            "unknown \(what) tag \(tag); the peer may run a newer version"
        case .tooManyItems(let count, let max, let what):
            "the \(what) lists \(count) items, but at most \(max) are allowed"
        case .oversized(let length, let max, let what):
            "the \(what) is \(length) bytes long, but at most \(max) are allowed"
        case .badUTF8(let what):
            "the \(what) is not valid UTF-8 text"
        case .invalidValue(let reason, let what):
            "the \(what) is invalid: \(reason)"
        case .trailingBytes(let count):
            "\(count) unexpected bytes follow the end of the message"
        case .frameTooLarge(let length):
            "the peer announced a frame of \(length) bytes, more than this connection accepts; "
                + "it is broken or hostile"
        case .unsupportedRequest(_, let tag, let what):
            "unknown \(what) tag \(tag): this peer runs an older version that does not know the request"
        }
    }
}

/// Turns a reader's nil (short input) into `truncated`, naming what was being read.
func need<T>(_ value: T?, _ what: @autoclosure () -> String) throws(WireError) -> T {
    guard let value else { throw WireError.truncated(reading: what()) }
    return value
}
