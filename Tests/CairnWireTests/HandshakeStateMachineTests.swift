import NIOCore
import Testing

@testable import CairnWire

struct HandshakeStateMachineTests {
    static let network = SHA256.hash(Array("cairn test genesis".utf8))

    static func config(
        _ identity: Identity, network: Key256 = network, puzzleBits: Int = 0, address: PeerAddress? = nil
    ) -> HandshakeConfig {
        HandshakeConfig(identity: identity, networkID: network, puzzleBits: puzzleBits, advertisedAddress: address)
    }

    struct Transcript {
        var m1: [UInt8]
        var m2: [UInt8]
        var m3: [UInt8]
        var initiator: HandshakeResult
        var responder: HandshakeResult
    }

    /// Runs both machines against each other, as two drivers would.
    static func handshake(
        initiator: HandshakeConfig, responder: HandshakeConfig, expectedPeer: PeerID? = nil
    ) throws -> Transcript {
        var (i, m1) = HandshakeStateMachine.initiator(config: initiator, expectedPeer: expectedPeer)
        var r = HandshakeStateMachine.responder(config: responder)
        guard case .send(let m2) = try r.receive(m1) else { throw Unexpected() }
        guard case .sendAndComplete(let m3, let initiatorResult) = try i.receive(m2) else { throw Unexpected() }
        guard case .complete(let responderResult) = try r.receive(m3) else { throw Unexpected() }
        #expect(i.isComplete && r.isComplete)
        return Transcript(m1: m1, m2: m2, m3: m3, initiator: initiatorResult, responder: responderResult)
    }

    struct Unexpected: Error {}

    /// An identity whose PeerID fails a puzzle of `bits` bits.
    static func unsolvedIdentity(bits: Int) -> Identity {
        while true {
            let identity = Identity.generate()
            if !Puzzle.isSolved(by: identity.peerID, bits: bits) { return identity }
        }
    }

    // MARK: Happy path

    @Test func bothSidesAgreeOnIdentitiesAndKeys() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        let aliceAddress = PeerAddress(host: "198.51.100.4", port: 4001)
        let bobAddress = PeerAddress(host: "bob.example", port: 4002)
        var t = try Self.handshake(
            initiator: Self.config(alice, address: aliceAddress), responder: Self.config(bob, address: bobAddress),
            expectedPeer: bob.peerID)

        #expect(t.initiator.remotePeerID == bob.peerID)
        #expect(t.initiator.remotePublicKey == bob.publicKey)
        #expect(t.initiator.remoteAddress == bobAddress)
        #expect(t.responder.remotePeerID == alice.peerID)
        #expect(t.responder.remotePublicKey == alice.publicKey)
        #expect(t.responder.remoteAddress == aliceAddress)

        // The keys agree in both directions.
        for n in 0..<3 {
            var frame = ByteBuffer()
            try t.initiator.session.seal(ByteBuffer(bytes: [UInt8(n)]), into: &frame)
            frame.moveReaderIndex(forwardBy: 4)
            #expect(Array(try t.responder.session.open(frame).readableBytesView) == [UInt8(n)])
            var back = ByteBuffer()
            try t.responder.session.seal(ByteBuffer(bytes: [UInt8(n), 9]), into: &back)
            back.moveReaderIndex(forwardBy: 4)
            #expect(Array(try t.initiator.session.open(back).readableBytesView) == [UInt8(n), 9])
        }
    }

    @Test func messageLayout() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        let t = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        #expect(t.m1.count == 66)
        #expect(Array(t.m1.prefix(2)) == [1, 1])
        #expect(Array(t.m1[2..<34]) == Self.network.bytes)
        // type, version, ephemeral, key, no address, signature, confirmation
        #expect(t.m2.count == 1 + 1 + 32 + 32 + 1 + 64 + 32)
        #expect(Array(t.m2[34..<66]) == bob.publicKey.bytes)
        #expect(t.m3.count == 1 + 32 + 1 + 64 + 32)
        #expect(Array(t.m3[1..<33]) == alice.publicKey.bytes)
        for message in [t.m1, t.m2, t.m3] { #expect(message.count <= FrameLimits.maxHandshakeMessageLength) }
    }

    @Test func largestMessagesFitTheLimit() throws {
        let longest = PeerAddress(host: String(repeating: "a", count: PeerAddress.maxHostLength), port: 65535)
        let t = try Self.handshake(
            initiator: Self.config(.generate(), address: longest), responder: Self.config(.generate(), address: longest)
        )
        #expect(t.m2.count == 1 + 1 + 32 + 32 + 1 + 1 + 255 + 2 + 64 + 32)
        #expect(t.m2.count == FrameLimits.maxHandshakeMessageLength)
        #expect(t.m2.count == HandshakeMessages.maxResponseByteCount)
        #expect(t.m3.count == HandshakeMessages.maxFinishByteCount)
        #expect(t.initiator.remoteAddress == longest)
    }

    @Test func solvedPuzzlesAreAccepted() throws {
        let t = try Self.handshake(
            initiator: Self.config(.generate(puzzleBits: 8), puzzleBits: 8),
            responder: Self.config(.generate(puzzleBits: 8), puzzleBits: 8))
        #expect(Puzzle.isSolved(by: t.initiator.remotePeerID, bits: 8))
    }

    @Test func sessionsDifferPerHandshake() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        var first = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        var second = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        var frame = ByteBuffer()
        try first.initiator.session.seal(ByteBuffer(bytes: [1]), into: &frame)
        frame.moveReaderIndex(forwardBy: 4)
        #expect(throws: SessionError.authenticationFailed) { try second.responder.session.open(frame) }
        _ = try first.responder.session.open(frame)
        _ = second
    }

    // MARK: Refusals

    @Test func wrongNetworkIsRefused() {
        var (_, m1) = HandshakeStateMachine.initiator(
            config: Self.config(.generate(), network: SHA256.hash([1])), expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(config: Self.config(.generate()))
        #expect(throws: HandshakeError.wrongNetwork) { try responder.receive(m1) }
        // And the machine stays refused.
        #expect(throws: HandshakeError.unexpectedMessage) { try responder.receive(m1) }
        m1[1] = 2
        #expect(throws: HandshakeError.unsupportedVersion(2)) {
            var fresh = HandshakeStateMachine.responder(config: Self.config(.generate()))
            return try fresh.receive(m1)
        }
    }

    @Test func responderClaimingAnotherKeyIsRefused() throws {
        let victim = Identity.generate()
        let mallory = Identity.generate()
        var (initiator, m1) = HandshakeStateMachine.initiator(
            config: Self.config(.generate()), expectedPeer: victim.peerID)
        var responder = HandshakeStateMachine.responder(config: Self.config(mallory))
        guard case .send(var m2) = try responder.receive(m1) else { throw Unexpected() }
        // Mallory puts the victim's public key where hers was; she cannot sign for it.
        m2.replaceSubrange(34..<66, with: victim.publicKey.bytes)
        #expect(throws: HandshakeError.badSignature) { try initiator.receive(m2) }
    }

    @Test func initiatorClaimingAnotherKeyIsRefused() throws {
        let victim = Identity.generate()
        var (initiator, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(config: Self.config(.generate()))
        guard case .send(let m2) = try responder.receive(m1) else { throw Unexpected() }
        guard case .sendAndComplete(var m3, _) = try initiator.receive(m2) else { throw Unexpected() }
        m3.replaceSubrange(1..<33, with: victim.publicKey.bytes)
        #expect(throws: HandshakeError.badSignature) { try responder.receive(m3) }
    }

    /// A relay between Alice and Bob swaps Alice's key and signature in m3 for its own, validly signed; Bob would
    /// then believe he talks to the relay while the keys are Alice's. The confirmation tag needs the DH secret,
    /// which the relay does not have.
    @Test func relaySwappingInItsOwnIdentityIsRefused() throws {
        let eve = Identity.generate()
        var (alice, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        var bob = HandshakeStateMachine.responder(config: Self.config(.generate()))
        guard case .send(let m2) = try bob.receive(m1) else { throw Unexpected() }
        guard case .sendAndComplete = try alice.receive(m2) else { throw Unexpected() }
        let forged = HandshakeMessages.authentication(
            type: .finish, ephemeral: nil, identity: eve, address: nil, transcript: [m1, m2],
            signatureDomain: HandshakeMessages.initiatorSignatureDomain,
            confirmationDomain: HandshakeMessages.initiatorConfirmationDomain, confirmationKey: Random.bytes(32))
        #expect(throws: HandshakeError.keyConfirmationFailed) { try bob.receive(forged) }
    }

    @Test func unexpectedPeerIsRefused() throws {
        let bob = Identity.generate()
        let someoneElse = Random.key256()
        var (initiator, m1) = HandshakeStateMachine.initiator(
            config: Self.config(.generate()), expectedPeer: someoneElse)
        var responder = HandshakeStateMachine.responder(config: Self.config(bob))
        guard case .send(let m2) = try responder.receive(m1) else { throw Unexpected() }
        #expect(throws: HandshakeError.unexpectedPeer(expected: someoneElse, got: bob.peerID)) {
            try initiator.receive(m2)
        }
    }

    @Test func unsolvedPuzzleIsRefusedByTheInitiator() throws {
        let lazy = Self.unsolvedIdentity(bits: 8)
        #expect(throws: HandshakeError.puzzleNotSolved(lazy.peerID)) {
            try Self.handshake(initiator: Self.config(.generate(), puzzleBits: 8), responder: Self.config(lazy))
        }
    }

    @Test func unsolvedPuzzleIsRefusedByTheResponder() throws {
        let lazy = Self.unsolvedIdentity(bits: 8)
        #expect(throws: HandshakeError.puzzleNotSolved(lazy.peerID)) {
            try Self.handshake(initiator: Self.config(lazy), responder: Self.config(.generate(), puzzleBits: 8))
        }
    }

    @Test func replayedHelloCannotComplete() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        let old = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        // An eavesdropper replays Alice's old m1 to Bob: Bob answers with a fresh ephemeral...
        var responder = HandshakeStateMachine.responder(config: Self.config(bob))
        guard case .send(let freshM2) = try responder.receive(old.m1) else { throw Unexpected() }
        #expect(freshM2 != old.m2)
        // ...and the old m3 does not fit the new transcript.
        #expect(throws: HandshakeError.badSignature) { try responder.receive(old.m3) }
    }

    @Test func replayedResponseIsRefused() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        let old = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        var (initiator, _) = HandshakeStateMachine.initiator(config: Self.config(alice), expectedPeer: bob.peerID)
        #expect(throws: HandshakeError.badSignature) { try initiator.receive(old.m2) }
    }

    @Test func replayedFinishIsRefused() throws {
        let alice = Identity.generate()
        let bob = Identity.generate()
        let old = try Self.handshake(initiator: Self.config(alice), responder: Self.config(bob))
        let (_, newM1) = HandshakeStateMachine.initiator(config: Self.config(alice), expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(config: Self.config(bob))
        guard case .send = try responder.receive(newM1) else { throw Unexpected() }
        #expect(throws: HandshakeError.badSignature) { try responder.receive(old.m3) }
    }

    @Test func dialingYourselfIsRefusedByTheInitiator() {
        let me = Identity.generate()
        #expect(throws: HandshakeError.connectedToSelf) {
            try Self.handshake(initiator: Self.config(me), responder: Self.config(me), expectedPeer: me.peerID)
        }
    }

    @Test func dialingYourselfIsRefusedByTheResponder() throws {
        let me = Identity.generate()
        let ephemeral = X25519KeyPair.generate()
        let (_, m1) = HandshakeStateMachine.initiator(config: Self.config(me), expectedPeer: nil, ephemeral: ephemeral)
        var responder = HandshakeStateMachine.responder(config: Self.config(me))
        guard case .send(let m2) = try responder.receive(m1) else { throw Unexpected() }
        // Build the m3 an initiator without the self check would send.
        let shared = try ephemeral.sharedSecret(with: Array(m2[2..<34]))
        let m3 = HandshakeMessages.authentication(
            type: .finish, ephemeral: nil, identity: me, address: nil, transcript: [m1, m2],
            signatureDomain: HandshakeMessages.initiatorSignatureDomain,
            confirmationDomain: HandshakeMessages.initiatorConfirmationDomain,
            confirmationKey: HandshakeMessages.confirmationKeys(sharedSecret: shared).initiator)
        #expect(throws: HandshakeError.connectedToSelf) { try responder.receive(m3) }
    }

    @Test func weakEphemeralIsRefused() throws {
        var (_, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        m1.replaceSubrange(34..<66, with: [UInt8](repeating: 0, count: 32))
        var responder = HandshakeStateMachine.responder(config: Self.config(.generate()))
        #expect(throws: HandshakeError.weakEphemeralKey) { try responder.receive(m1) }
    }

    @Test func messagesOutOfTurnAreRefused() throws {
        let t = try Self.handshake(initiator: Self.config(.generate()), responder: Self.config(.generate()))
        var responder = HandshakeStateMachine.responder(config: Self.config(.generate()))
        #expect(throws: HandshakeError.unexpectedMessage) { try responder.receive(t.m3) }
        var (initiator, _) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        #expect(throws: HandshakeError.unexpectedMessage) { try initiator.receive(t.m1) }
    }

    @Test func nothingIsAcceptedAfterCompletion() throws {
        let bob = Identity.generate()
        var (initiator, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(config: Self.config(bob))
        guard case .send(let m2) = try responder.receive(m1) else { throw Unexpected() }
        guard case .sendAndComplete(let m3, _) = try initiator.receive(m2) else { throw Unexpected() }
        guard case .complete = try responder.receive(m3) else { throw Unexpected() }
        #expect(throws: HandshakeError.unexpectedMessage) { try initiator.receive(m2) }
        #expect(throws: HandshakeError.unexpectedMessage) { try responder.receive(m3) }
    }

    @Test(
        arguments: [
            ([], "empty"),
            ([9], "unknown type"),
            ([1, 1, 0, 0], "short hello"),
            ([UInt8](repeating: 1, count: 67), "hello with a trailing byte"),
            ([1] + [UInt8](repeating: 1, count: 1024), "over the limit"),
        ] as [([UInt8], String)])
    func malformedMessagesAreRefused(message: [UInt8], label: String) {
        var responder = HandshakeStateMachine.responder(config: Self.config(.generate()))
        let error = #expect(throws: HandshakeError.self, "\(label)") { try responder.receive(message) }
        guard case .malformed = error else {
            Issue.record("\(label): expected malformed, got \(String(describing: error))")
            return
        }
    }

    @Test func everyTruncationOfTheResponseIsMalformed() throws {
        var (_, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(
            config: Self.config(.generate(), address: PeerAddress(host: "h", port: 1)))
        guard case .send(let m2) = try responder.receive(m1) else { throw Unexpected() }
        for length in 1..<m2.count {
            var initiator: HandshakeStateMachine
            (initiator, m1) = HandshakeStateMachine.initiator(config: Self.config(.generate()), expectedPeer: nil)
            #expect(throws: HandshakeError.self) { try initiator.receive(Array(m2.prefix(length))) }
        }
    }

    @Test func errorsReadAsSentences() {
        let peer = Random.key256()
        #expect(HandshakeError.puzzleNotSolved(peer).description.contains(peer.shortHex))
        #expect(HandshakeError.wrongNetwork.description.contains("network"))
        #expect(HandshakeError.unexpectedPeer(expected: peer, got: .zero).description.contains("00000000"))
    }
}
