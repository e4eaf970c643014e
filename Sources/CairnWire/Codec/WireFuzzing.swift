import NIOCore

/// libFuzzer-style entry point: feeds arbitrary bytes to every decoder that reads from a peer. It must never trap.
///
/// Covers the frame parser (handshake and session limits), the message codec (a message that decodes must
/// re-encode to the same bytes and decode to the same value, so this traps on a codec asymmetry, which is a
/// bug), the handshake state machine at each of its three receiving steps, and opening a sealed frame. A
/// harness links it as:
///
/// ```swift
/// @_cdecl("LLVMFuzzerTestOneInput")
/// public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
///     cairnWireFuzzOne(UnsafeRawBufferPointer(start: data, count: size))
///     return 0
/// }
/// ```
/// Every input that ever trapped belongs in `WireFuzzingTests` as a regression case.
public func cairnWireFuzzOne(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)

    // Framing.
    for limit in [FrameLimits.maxHandshakeMessageLength, FrameLimits.maxSealedFrameLength] {
        var stream = ByteBuffer(bytes: bytes)
        let parser = FrameParser(maxFrameLength: limit)
        while let frame = try? parser.nextFrame(from: &stream) {
            precondition(frame.readableBytes <= limit, "frame parser returned a frame over its limit")
        }
    }

    // The message codec, with a round trip check.
    var payload = ByteBuffer(bytes: bytes)
    if let message = try? WireCodec.decode(&payload) {
        precondition(payload.readableBytes == 0, "decode left bytes unread")
        let encoded = WireCodec.encode(message)
        precondition(Array(encoded.readableBytesView) == bytes, "a decoded message re-encodes to other bytes")
        var again = encoded
        precondition((try? WireCodec.decode(&again)) == message, "a re-encoded message decodes to another value")
    }

    // The handshake, at each step that takes a message from the peer.
    let fixture = FuzzFixture.shared
    var responder = HandshakeStateMachine.responder(
        config: fixture.responderConfig, ephemeral: fixture.responderEphemeral)
    _ = try? responder.receive(bytes)

    var initiator = HandshakeStateMachine.initiator(
        config: fixture.initiatorConfig, expectedPeer: nil, ephemeral: fixture.initiatorEphemeral
    ).0
    _ = try? initiator.receive(bytes)

    var awaitingFinish = HandshakeStateMachine.responder(
        config: fixture.responderConfig, ephemeral: fixture.responderEphemeral)
    _ = try? awaitingFinish.receive(fixture.hello)
    _ = try? awaitingFinish.receive(bytes)

    // A sealed frame body.
    if var session = try? SecureSession(sendingKey: fixture.sessionKey, receivingKey: fixture.sessionKey) {
        _ = try? session.open(ByteBuffer(bytes: bytes))
    }
}

/// Fixed keys so that a fuzz run is deterministic.
private struct FuzzFixture: Sendable {
    let initiatorConfig: HandshakeConfig
    let responderConfig: HandshakeConfig
    let initiatorEphemeral: X25519KeyPair
    let responderEphemeral: X25519KeyPair
    let hello: [UInt8]
    let sessionKey: [UInt8]

    static let shared = FuzzFixture()

    private init() {
        let network = SHA256.hash(Array("cairn fuzz network".utf8))
        initiatorConfig = HandshakeConfig(
            identity: Identity(seed: [UInt8](repeating: 1, count: 32))!, networkID: network, puzzleBits: 0,
            advertisedAddress: PeerAddress(host: "127.0.0.1", port: 4001))
        responderConfig = HandshakeConfig(
            identity: Identity(seed: [UInt8](repeating: 2, count: 32))!, networkID: network, puzzleBits: 0,
            advertisedAddress: nil)
        initiatorEphemeral = X25519KeyPair(secretKey: [UInt8](repeating: 3, count: 32))!
        responderEphemeral = X25519KeyPair(secretKey: [UInt8](repeating: 4, count: 32))!
        hello =
            HandshakeStateMachine.initiator(
                config: initiatorConfig, expectedPeer: nil, ephemeral: initiatorEphemeral
            ).firstMessage
        sessionKey = [UInt8](repeating: 5, count: 32)
    }
}
