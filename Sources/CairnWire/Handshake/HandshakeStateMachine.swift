/// The connection handshake as a pure state machine: bytes in, actions out, no I/O (DESIGN.md §1, §3).
///
/// Three messages, in the manner of Noise XX: each side contributes a fresh X25519 ephemeral key; the responder
/// and then the initiator prove their Ed25519 identity by signing the transcript so far and prove that they hold
/// the Diffie-Hellman secret with a confirmation tag; both derive the session keys from the shared secret and the
/// whole transcript (layouts and derivations in `HandshakeMessages`).
///
/// ```
/// initiator                                  responder
///   initiator(...) → m1    ── m1 ──▶  receive(m1) → .send(m2)
///   receive(m2)            ◀── m2 ──
///     → .sendAndComplete(m3, r)
///                          ── m3 ──▶  receive(m3) → .complete(r)
/// ```
///
/// Any error is final: the machine refuses everything after it, and the driver closes the connection.
public struct HandshakeStateMachine: Sendable {
    private enum State: Sendable {
        case initiatorAwaitingResponse(m1: [UInt8], expectedPeer: PeerID?)
        case responderAwaitingHello
        case responderAwaitingFinish(m1: [UInt8], m2: [UInt8], sharedSecret: [UInt8])
        case complete
        case failed
    }

    private let config: HandshakeConfig
    private let ephemeral: X25519KeyPair
    private var state: State

    private init(config: HandshakeConfig, ephemeral: X25519KeyPair, state: State) {
        self.config = config
        self.ephemeral = ephemeral
        self.state = state
    }

    /// The dialling side. Send `firstMessage`, then pass each message received to `receive`. With an
    /// `expectedPeer`, a responder with another PeerID is refused.
    public static func initiator(
        config: HandshakeConfig, expectedPeer: PeerID?, ephemeral: X25519KeyPair = .generate()
    ) -> (HandshakeStateMachine, firstMessage: [UInt8]) {
        let m1 = HandshakeMessages.hello(networkID: config.networkID, ephemeral: ephemeral.publicKey)
        let machine = HandshakeStateMachine(
            config: config, ephemeral: ephemeral, state: .initiatorAwaitingResponse(m1: m1, expectedPeer: expectedPeer))
        return (machine, m1)
    }

    /// The accepting side: waits for the initiator's first message.
    public static func responder(
        config: HandshakeConfig, ephemeral: X25519KeyPair = .generate()
    ) -> HandshakeStateMachine {
        HandshakeStateMachine(config: config, ephemeral: ephemeral, state: .responderAwaitingHello)
    }

    /// True once the handshake produced its result.
    public var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// Takes one handshake message (one frame's payload, without the length prefix).
    public mutating func receive(_ message: [UInt8]) throws(HandshakeError) -> HandshakeAction {
        let current = state
        // Whatever goes wrong below leaves the machine failed.
        state = .failed
        guard message.count <= FrameLimits.maxHandshakeMessageLength else {
            throw HandshakeError.malformed("a handshake message of \(message.count) bytes is over the limit")
        }
        let type = try HandshakeMessages.parseType(message)
        switch (current, type) {
        case (.responderAwaitingHello, .hello):
            let (action, next) = try receiveHello(message)
            state = next
            return action
        case (.initiatorAwaitingResponse(let m1, let expectedPeer), .response):
            let action = try receiveResponse(message, m1: m1, expectedPeer: expectedPeer)
            state = .complete
            return action
        case (.responderAwaitingFinish(let m1, let m2, let sharedSecret), .finish):
            let action = try receiveFinish(message, m1: m1, m2: m2, sharedSecret: sharedSecret)
            state = .complete
            return action
        default:
            throw HandshakeError.unexpectedMessage
        }
    }

    // MARK: Steps

    /// Responder, m1 → m2.
    private func receiveHello(_ m1: [UInt8]) throws(HandshakeError) -> (HandshakeAction, State) {
        let hello = try HandshakeMessages.parseHello(m1)
        guard hello.networkID == config.networkID else { throw HandshakeError.wrongNetwork }
        let sharedSecret = try agree(with: hello.ephemeral)
        let keys = HandshakeMessages.confirmationKeys(sharedSecret: sharedSecret)
        let m2 = HandshakeMessages.authentication(
            type: .response, ephemeral: ephemeral.publicKey, identity: config.identity,
            address: config.advertisedAddress, transcript: [m1],
            signatureDomain: HandshakeMessages.responderSignatureDomain,
            confirmationDomain: HandshakeMessages.responderConfirmationDomain, confirmationKey: keys.responder)
        return (.send(m2), .responderAwaitingFinish(m1: m1, m2: m2, sharedSecret: sharedSecret))
    }

    /// Initiator, m2 → m3 and the result.
    private func receiveResponse(
        _ m2: [UInt8], m1: [UInt8], expectedPeer: PeerID?
    ) throws(HandshakeError) -> HandshakeAction {
        let response = try HandshakeMessages.parseAuthentication(m2, hasEphemeral: true)
        let sharedSecret = try agree(with: response.ephemeral)
        let keys = HandshakeMessages.confirmationKeys(sharedSecret: sharedSecret)
        try verify(
            response, message: m2, transcript: [m1], signatureDomain: HandshakeMessages.responderSignatureDomain,
            confirmationDomain: HandshakeMessages.responderConfirmationDomain, confirmationKey: keys.responder)
        let remotePeer = response.publicKey.peerID
        if let expectedPeer, expectedPeer != remotePeer {
            throw HandshakeError.unexpectedPeer(expected: expectedPeer, got: remotePeer)
        }

        let m3 = HandshakeMessages.authentication(
            type: .finish, ephemeral: nil, identity: config.identity, address: config.advertisedAddress,
            transcript: [m1, m2], signatureDomain: HandshakeMessages.initiatorSignatureDomain,
            confirmationDomain: HandshakeMessages.initiatorConfirmationDomain, confirmationKey: keys.initiator)
        let sessionKeys = HandshakeMessages.sessionKeys(sharedSecret: sharedSecret, m1: m1, m2: m2, m3: m3)
        let session = try makeSession(
            sending: sessionKeys.initiatorToResponder, receiving: sessionKeys.responderToInitiator)
        return .sendAndComplete(
            m3, HandshakeResult(remotePublicKey: response.publicKey, remoteAddress: response.address, session: session))
    }

    /// Responder, m3 → the result.
    private func receiveFinish(
        _ m3: [UInt8], m1: [UInt8], m2: [UInt8], sharedSecret: [UInt8]
    ) throws(HandshakeError) -> HandshakeAction {
        let finish = try HandshakeMessages.parseAuthentication(m3, hasEphemeral: false)
        let keys = HandshakeMessages.confirmationKeys(sharedSecret: sharedSecret)
        try verify(
            finish, message: m3, transcript: [m1, m2], signatureDomain: HandshakeMessages.initiatorSignatureDomain,
            confirmationDomain: HandshakeMessages.initiatorConfirmationDomain, confirmationKey: keys.initiator)
        let sessionKeys = HandshakeMessages.sessionKeys(sharedSecret: sharedSecret, m1: m1, m2: m2, m3: m3)
        let session = try makeSession(
            sending: sessionKeys.responderToInitiator, receiving: sessionKeys.initiatorToResponder)
        return .complete(
            HandshakeResult(remotePublicKey: finish.publicKey, remoteAddress: finish.address, session: session))
    }

    // MARK: Checks

    private func agree(with remoteEphemeral: [UInt8]) throws(HandshakeError) -> [UInt8] {
        do {
            return try ephemeral.sharedSecret(with: remoteEphemeral)
        } catch {
            throw HandshakeError.weakEphemeralKey
        }
    }

    /// Signature, then key confirmation, then who the peer is: not us, and with the puzzle solved.
    private func verify(
        _ auth: HandshakeMessages.Authentication, message: [UInt8], transcript: [[UInt8]], signatureDomain: String,
        confirmationDomain: String, confirmationKey: [UInt8]
    ) throws(HandshakeError) {
        let signed = HandshakeMessages.digest(signatureDomain, transcript + [Array(message[..<auth.signedLength])])
        guard auth.publicKey.verify(signature: auth.signature, message: signed) else {
            throw HandshakeError.badSignature
        }
        let expected = HandshakeMessages.confirmation(
            key: confirmationKey, domain: confirmationDomain, transcript + [Array(message[..<auth.confirmedLength])])
        guard HandshakeMessages.constantTimeEqual(expected, auth.confirmation) else {
            throw HandshakeError.keyConfirmationFailed
        }
        let peer = auth.publicKey.peerID
        guard peer != config.identity.peerID else { throw HandshakeError.connectedToSelf }
        guard Puzzle.isSolved(by: peer, bits: config.puzzleBits) else { throw HandshakeError.puzzleNotSolved(peer) }
    }

    private func makeSession(sending: [UInt8], receiving: [UInt8]) throws(HandshakeError) -> SecureSession {
        do {
            return try SecureSession(sendingKey: sending, receivingKey: receiving)
        } catch {
            // HKDF always yields 32-byte keys; only an OpenSSL allocation failure gets here.
            throw HandshakeError.malformed("could not set up the session cipher: \(error)")
        }
    }
}
