import NIOCore

/// The three handshake messages and the values derived from their transcript (DESIGN.md §3).
///
/// ```
/// m1 I→R  hello:     type u8 = 1 ‖ version u8 = 1 ‖ network ID 32 ‖ initiator ephemeral X25519 32
/// m2 R→I  response:  type u8 = 2 ‖ version u8 = 1 ‖ responder ephemeral 32 ‖ responder Ed25519 key 32
///                    ‖ advertised address (flag u8 ‖ PeerAddress) ‖ signature 64 ‖ confirmation 32
/// m3 I→R  finish:    type u8 = 3 ‖ initiator Ed25519 key 32 ‖ advertised address (flag u8 ‖ PeerAddress)
///                    ‖ signature 64 ‖ confirmation 32
/// ```
///
/// With `dh = X25519(e_i, e_r)` and `lp(x)` = x's length as a u32 then x:
/// - m2's signature, by the responder: Ed25519 over `SHA-256(lp("cairn/handshake/v1/responder") ‖ lp(m1) ‖
///   lp(m2 up to the signature))`. m3's, by the initiator: over `SHA-256(lp("cairn/handshake/v1/initiator") ‖ lp(m1)
///   ‖ lp(m2) ‖ lp(m3 up to the signature))`. Both ephemerals are inside what each side signs, so no signature
///   fits any other handshake: replaying an old message fails.
/// - confirmation: `HMAC-SHA256(k, SHA-256(lp(domain) ‖ transcript up to the confirmation))` with
///   `k_r ‖ k_i = HKDF(dh, salt: "", info: "cairn/handshake/v1/confirm", 64)`. A signature alone does not show
///   that the signer holds the Diffie-Hellman secret; without this tag a relay could swap in its own key and
///   signature and be believed to be the other end (identity misbinding, as SIGMA's MAC prevents).
/// - session keys: `k_i→r ‖ k_r→i = HKDF(dh, salt: SHA-256(m1 ‖ m2 ‖ m3), info: "cairn/session/v1", 64)`.
enum HandshakeMessages {
    static let version: UInt8 = 1

    enum MessageType: UInt8 {
        case hello = 1
        case response = 2
        case finish = 3
    }

    static let helloByteCount = 1 + 1 + Key256.byteCount + X25519KeyPair.keyByteCount
    static let confirmationByteCount = HMAC.sha256ByteCount

    /// Longest advertised address field: flag u8, host length u8, a 255-byte host, port u16 (259 bytes).
    static let maxAdvertisedAddressByteCount = 1 + 1 + PeerAddress.maxHostLength + 2
    /// Longest m2, with the longest address: 421 bytes.
    static let maxResponseByteCount =
        1 + 1 + X25519KeyPair.keyByteCount + PublicKey.byteCount
        + maxAdvertisedAddressByteCount + PublicKey.signatureByteCount + confirmationByteCount
    /// Longest m3, with the longest address: 388 bytes.
    static let maxFinishByteCount =
        1 + PublicKey.byteCount + maxAdvertisedAddressByteCount
        + PublicKey.signatureByteCount + confirmationByteCount
    /// Longest message of the three (m2, 421 bytes): no frame before the handshake completes needs more.
    static let maxMessageByteCount = max(helloByteCount, maxResponseByteCount, maxFinishByteCount)

    static let responderSignatureDomain = "cairn/handshake/v1/responder"
    static let initiatorSignatureDomain = "cairn/handshake/v1/initiator"
    static let responderConfirmationDomain = "cairn/handshake/v1/responder-confirm"
    static let initiatorConfirmationDomain = "cairn/handshake/v1/initiator-confirm"
    static let confirmationKeyInfo = Array("cairn/handshake/v1/confirm".utf8)
    static let sessionKeyInfo = Array("cairn/session/v1".utf8)

    struct Hello {
        var version: UInt8
        var networkID: Key256
        var ephemeral: [UInt8]
    }

    /// m2 or m3 after parsing; `signedLength` and `confirmedLength` are how many leading bytes of the raw
    /// message the signature and the confirmation cover.
    struct Authentication {
        var version: UInt8
        var ephemeral: [UInt8]
        var publicKey: PublicKey
        var address: PeerAddress?
        var signature: [UInt8]
        var confirmation: [UInt8]
        var signedLength: Int
        var confirmedLength: Int
    }

    // MARK: Building

    static func hello(networkID: Key256, ephemeral: [UInt8]) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: helloByteCount)
        buffer.writeInteger(MessageType.hello.rawValue)
        buffer.writeInteger(version)
        buffer.writeKey256(networkID)
        buffer.writeBytes(ephemeral)
        return Array(buffer.readableBytesView)
    }

    /// m2 (with `ephemeral`) or m3 (without): the fields, then a signature over `transcript` and the message so
    /// far, then the confirmation tag.
    static func authentication(
        type: MessageType, ephemeral: [UInt8]?, identity: Identity, address: PeerAddress?,
        transcript: [[UInt8]], signatureDomain: String, confirmationDomain: String, confirmationKey: [UInt8]
    ) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        buffer.writeInteger(type.rawValue)
        if let ephemeral {
            buffer.writeInteger(version)
            buffer.writeBytes(ephemeral)
        }
        buffer.writePublicKey(identity.publicKey)
        buffer.writeOptionalPeerAddress(address)
        let signed = Array(buffer.readableBytesView)
        buffer.writeSignature(identity.sign(digest(signatureDomain, transcript + [signed])))
        let confirmed = Array(buffer.readableBytesView)
        buffer.writeBytes(confirmation(key: confirmationKey, domain: confirmationDomain, transcript + [confirmed]))
        return Array(buffer.readableBytesView)
    }

    // MARK: Parsing

    static func parseType(_ message: [UInt8]) throws(HandshakeError) -> MessageType {
        guard let first = message.first else { throw HandshakeError.malformed("empty message") }
        guard let type = MessageType(rawValue: first) else {
            throw HandshakeError.malformed("unknown handshake message type \(first)")
        }
        return type
    }

    static func parseHello(_ message: [UInt8]) throws(HandshakeError) -> Hello {
        var buffer = ByteBuffer(bytes: message)
        buffer.moveReaderIndex(forwardBy: 1)
        guard let version = buffer.readInteger(as: UInt8.self) else { throw truncated("hello") }
        guard version == HandshakeMessages.version else { throw HandshakeError.unsupportedVersion(version) }
        guard let networkID = buffer.readKey256(), let ephemeral = buffer.readBytes(length: X25519KeyPair.keyByteCount)
        else { throw truncated("hello") }
        try expectEnd(buffer, "hello")
        return Hello(version: version, networkID: networkID, ephemeral: ephemeral)
    }

    /// m2 when `hasEphemeral`, m3 otherwise.
    static func parseAuthentication(_ message: [UInt8], hasEphemeral: Bool) throws(HandshakeError) -> Authentication {
        let name = hasEphemeral ? "response" : "finish"
        var buffer = ByteBuffer(bytes: message)
        buffer.moveReaderIndex(forwardBy: 1)
        var version = HandshakeMessages.version
        var ephemeral: [UInt8] = []
        if hasEphemeral {
            guard let v = buffer.readInteger(as: UInt8.self) else { throw truncated(name) }
            guard v == HandshakeMessages.version else { throw HandshakeError.unsupportedVersion(v) }
            guard let e = buffer.readBytes(length: X25519KeyPair.keyByteCount) else { throw truncated(name) }
            version = v
            ephemeral = e
        }
        guard let publicKey = buffer.readPublicKey() else { throw truncated(name) }
        let optionalAddress: PeerAddress??
        do {
            optionalAddress = try buffer.readOptionalPeerAddress()
        } catch {
            throw HandshakeError.malformed("\(name): \(error)")
        }
        guard let address = optionalAddress else { throw truncated(name) }
        let signedLength = buffer.readerIndex
        guard let signature = buffer.readSignature() else { throw truncated(name) }
        let confirmedLength = buffer.readerIndex
        guard let confirmation = buffer.readBytes(length: confirmationByteCount) else { throw truncated(name) }
        try expectEnd(buffer, name)
        return Authentication(
            version: version, ephemeral: ephemeral, publicKey: publicKey, address: address, signature: signature,
            confirmation: confirmation, signedLength: signedLength, confirmedLength: confirmedLength)
    }

    // MARK: Transcript

    /// SHA-256 over the domain and each part, each length-prefixed (`SigningBytes`).
    static func digest(_ domain: String, _ parts: [[UInt8]]) -> [UInt8] {
        var bytes = SigningBytes(domain: domain)
        for part in parts { bytes.append(part) }
        return SHA256.hash(bytes.bytes).bytes
    }

    static func confirmation(key: [UInt8], domain: String, _ parts: [[UInt8]]) -> [UInt8] {
        HMAC.sha256(key: key, message: digest(domain, parts))
    }

    /// (responder's key, initiator's key) for the confirmation tags.
    static func confirmationKeys(sharedSecret: [UInt8]) -> (responder: [UInt8], initiator: [UInt8]) {
        let keys = HKDF.sha256(inputKeyMaterial: sharedSecret, salt: [], info: confirmationKeyInfo, outputByteCount: 64)
        return (Array(keys[0..<32]), Array(keys[32..<64]))
    }

    /// (initiator→responder, responder→initiator).
    static func sessionKeys(
        sharedSecret: [UInt8], m1: [UInt8], m2: [UInt8], m3: [UInt8]
    ) -> (
        initiatorToResponder: [UInt8], responderToInitiator: [UInt8]
    ) {
        let salt = SHA256.hash(m1 + m2 + m3).bytes
        let keys = HKDF.sha256(inputKeyMaterial: sharedSecret, salt: salt, info: sessionKeyInfo, outputByteCount: 64)
        return (Array(keys[0..<32]), Array(keys[32..<64]))
    }

    /// Compares in time independent of where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static func truncated(_ name: String) -> HandshakeError {
        .malformed("the \(name) message is too short")
    }

    private static func expectEnd(_ buffer: ByteBuffer, _ name: String) throws(HandshakeError) {
        guard buffer.readableBytes == 0 else {
            throw HandshakeError.malformed("\(buffer.readableBytes) unexpected bytes after the \(name) message")
        }
    }
}
