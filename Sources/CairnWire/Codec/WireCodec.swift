import NIOCore

/// Encodes and decodes `WireMessage`s: the plaintext payload of one frame after the handshake.
///
/// ```
/// payload  := version u8 (= 1) ‖ kind u8 ‖ id u64 ‖ body           (requests and responses)
///           | version u8 (= 1) ‖ kind u8 ‖ protocol tag u8 ‖ body (announcements: one-way, no id)
/// kind     := 0 request | 1 response | 2 announcement
/// request  := protocol tag u8 ‖ that protocol's request   (1 = DHT, DHTCodec.swift; 2 = echo; 3 = storage,
///             StorageCodec.swift; 4 = chain, ChainCodec.swift)
/// response := protocol tag u8 ‖ that protocol's response  (0 = error, 1 = DHT, 2 = echo, 3 = storage, 4 = chain)
/// echo     := the rest of the frame, returned as it came
/// error    := code u16 ‖ message (u16 length ‖ UTF-8, ≤ 1024 bytes)
/// announcement := protocol tag u8 ‖ that protocol's announcement (1 = DHT: op u8, 0 = leaving; 4 = chain)
/// ```
///
/// A new sub-protocol (file shards, chain) takes the next tag in `ProtocolTag`, adds a case to `Request` and
/// `Response`, and brings its own `…Codec.swift`; the DHT's bytes do not change. Decoding checks every length
/// and count against its limit and against the bytes that remain before allocating, and refuses trailing bytes,
/// so one message has exactly one encoding.
public enum WireCodec {
    public static let protocolVersion: UInt8 = 1
    /// Longest `RemoteError` message and DHT refusal text carried.
    public static let maxErrorMessageLength = 1024
    /// version, kind, id and protocol tag: the bytes before any protocol's body.
    public static let headerByteCount = 1 + 1 + 8 + 1

    /// Message kinds (the byte after the version).
    enum Kind: UInt8 {
        case request = 0
        case response = 1
        case announcement = 2
    }

    /// Sub-protocols, one byte each. Request and response of one protocol share its tag.
    enum ProtocolTag: UInt8 {
        /// Responses only: the request failed (`RemoteError`).
        case error = 0
        case dht = 1
        case echo = 2
        case storage = 3
        case chain = 4
    }

    /// Appends the payload for `message` (no frame length prefix; `SecureSession.seal` adds it).
    public static func encode(_ message: WireMessage, into buffer: inout ByteBuffer) {
        buffer.writeInteger(protocolVersion)
        switch message {
        case .request(let id, let request):
            buffer.writeInteger(Kind.request.rawValue)
            buffer.writeInteger(id)
            switch request {
            case .dht(let dht):
                buffer.writeInteger(ProtocolTag.dht.rawValue)
                DHTCodec.write(dht, into: &buffer)
            case .echo(var payload):
                buffer.writeInteger(ProtocolTag.echo.rawValue)
                buffer.writeBuffer(&payload)
            case .storage(let storage):
                buffer.writeInteger(ProtocolTag.storage.rawValue)
                StorageCodec.write(storage, into: &buffer)
            case .chain(let chain):
                buffer.writeInteger(ProtocolTag.chain.rawValue)
                ChainCodec.write(chain, into: &buffer)
            }
        case .response(let id, let response):
            buffer.writeInteger(Kind.response.rawValue)
            buffer.writeInteger(id)
            switch response {
            case .dht(let dht):
                buffer.writeInteger(ProtocolTag.dht.rawValue)
                DHTCodec.write(dht, into: &buffer)
            case .echo(var payload):
                buffer.writeInteger(ProtocolTag.echo.rawValue)
                buffer.writeBuffer(&payload)
            case .storage(let storage):
                buffer.writeInteger(ProtocolTag.storage.rawValue)
                StorageCodec.write(storage, into: &buffer)
            case .chain(let chain):
                buffer.writeInteger(ProtocolTag.chain.rawValue)
                ChainCodec.write(chain, into: &buffer)
            case .error(let error):
                buffer.writeInteger(ProtocolTag.error.rawValue)
                buffer.writeInteger(error.code.rawValue)
                buffer.writeWireString(error.message, maxLength: maxErrorMessageLength)
            }
        case .announcement(let announcement):
            buffer.writeInteger(Kind.announcement.rawValue)
            switch announcement {
            case .dht(let dht):
                buffer.writeInteger(ProtocolTag.dht.rawValue)
                DHTCodec.write(dht, into: &buffer)
            case .chain(let chain):
                buffer.writeInteger(ProtocolTag.chain.rawValue)
                ChainCodec.write(chain, into: &buffer)
            }
        }
    }

    /// The payload as a fresh buffer.
    public static func encode(_ message: WireMessage) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        encode(message, into: &buffer)
        return buffer
    }

    /// Decodes one whole frame payload, which must hold exactly one message. On success `payload` is consumed;
    /// on failure it is left as it was.
    public static func decode(_ payload: inout ByteBuffer) throws(WireError) -> WireMessage {
        let save = payload
        do throws(WireError) {
            let message = try decodeMessage(&payload)
            guard payload.readableBytes == 0 else { throw WireError.trailingBytes(payload.readableBytes) }
            return message
        } catch {
            payload = save
            throw error
        }
    }

    private static func decodeMessage(_ payload: inout ByteBuffer) throws(WireError) -> WireMessage {
        let version = try need(payload.readInteger(as: UInt8.self), "protocol version")
        guard version == protocolVersion else { throw WireError.unsupportedVersion(version) }
        let kindByte = try need(payload.readInteger(as: UInt8.self), "message kind")
        guard let kind = Kind(rawValue: kindByte) else { throw WireError.unknownKind(kindByte) }
        if kind == .announcement { return .announcement(try decodeAnnouncement(&payload)) }
        let id = try need(payload.readInteger(as: UInt64.self), "request id")
        guard kind == .request else { return try decodeBody(kind: kind, id: id, &payload) }
        do throws(WireError) {
            return try decodeBody(kind: kind, id: id, &payload)
        } catch .unknownTag(let tag, let what) {
            throw .unsupportedRequest(id: id, tag: tag, in: what)
        }
    }

    /// A request's or response's body after its id: protocol tag, then that protocol's message.
    private static func decodeBody(kind: Kind, id: UInt64, _ payload: inout ByteBuffer) throws(WireError)
        -> WireMessage
    {
        let tagByte = try need(payload.readInteger(as: UInt8.self), "protocol tag")
        let tag = ProtocolTag(rawValue: tagByte)
        switch (kind, tag) {
        case (.request, .dht):
            return .request(id: id, .dht(try DHTCodec.readRequest(from: &payload)))
        case (.response, .dht):
            return .response(id: id, .dht(try DHTCodec.readResponse(from: &payload)))
        case (.request, .echo):
            return .request(id: id, .echo(payload.readSlice(length: payload.readableBytes)!))
        case (.response, .echo):
            return .response(id: id, .echo(payload.readSlice(length: payload.readableBytes)!))
        case (.request, .storage):
            return .request(id: id, .storage(try StorageCodec.readRequest(from: &payload)))
        case (.response, .storage):
            return .response(id: id, .storage(try StorageCodec.readResponse(from: &payload)))
        case (.request, .chain):
            return .request(id: id, .chain(try ChainCodec.readRequest(from: &payload)))
        case (.response, .chain):
            return .response(id: id, .chain(try ChainCodec.readResponse(from: &payload)))
        case (.response, .error):
            let codeValue = try need(payload.readInteger(as: UInt16.self), "error code")
            guard let code = RemoteError.Code(rawValue: codeValue) else {
                throw WireError.invalidValue("unknown error code \(codeValue)", in: "error response")
            }
            let message = try need(
                payload.readWireString(maxLength: maxErrorMessageLength, "error message"), "error message")
            return .response(id: id, .error(RemoteError(code: code, message: message)))
        case (.request, _), (.response, _), (.announcement, _):
            throw WireError.unknownTag(tagByte, in: kind == .request ? "request protocol" : "response protocol")
        }
    }

    private static func decodeAnnouncement(_ payload: inout ByteBuffer) throws(WireError) -> Announcement {
        let tagByte = try need(payload.readInteger(as: UInt8.self), "protocol tag")
        switch ProtocolTag(rawValue: tagByte) {
        case .dht: return .dht(try DHTCodec.readAnnouncement(from: &payload))
        case .chain: return .chain(try ChainCodec.readAnnouncement(from: &payload))
        default: throw WireError.unknownTag(tagByte, in: "announcement protocol")
        }
    }
}
