import NIOCore

/// The two AEAD directions of a connection after the handshake (DESIGN.md §3).
///
/// Each direction has its own AES-256-GCM key and a frame counter starting at 0; frame `n` is sealed with the
/// 96-bit nonce `00 00 00 00 ‖ n as big-endian u64`. Nonces are never sent: both ends count, so a frame that is
/// replayed, dropped or reordered is opened with the wrong nonce and fails authentication. There is no
/// associated data: the length prefix is implied by the ciphertext, which the tag covers.
///
/// A failed `open` does not advance the counter, but the connection cannot trust the stream any more and
/// should close.
public struct SecureSession: Sendable {
    public static let keyByteCount = AESGCM.keyByteCount

    private var sending: Direction
    private var receiving: Direction

    /// Keys come from the handshake; two sessions interoperate when one's sending key is the other's receiving key.
    public init(sendingKey: [UInt8], receivingKey: [UInt8]) throws(CryptoError) {
        sending = Direction(cipher: try Cipher(key: sendingKey))
        receiving = Direction(cipher: try Cipher(key: receivingKey))
    }

    /// For tests of counter exhaustion, which no real connection reaches.
    init(
        sendingKey: [UInt8], receivingKey: [UInt8], sendingCounter: UInt64, receivingCounter: UInt64
    ) throws(CryptoError) {
        try self.init(sendingKey: sendingKey, receivingKey: receivingKey)
        sending.counter = sendingCounter
        receiving.counter = receivingCounter
    }

    /// Frames sealed so far (the next sending counter).
    public var sealedFrameCount: UInt64 { sending.counter }
    /// Frames opened so far (the next receiving counter).
    public var openedFrameCount: UInt64 { receiving.counter }

    /// Appends one whole frame to `output`: the u32 length of what follows, the ciphertext, the 16-byte tag.
    /// The plaintext's readable bytes are sealed; `plaintext` itself is not changed, nor is `output` on a throw.
    /// Copies the plaintext once (`sealInPlace`, which the transport uses, does not).
    public mutating func seal(_ plaintext: ByteBuffer, into output: inout ByteBuffer) throws(SessionError) {
        var frame = ByteBuffer()
        frame.reserveCapacity(FrameLimits.lengthPrefixByteCount + plaintext.readableBytes + FrameLimits.sealOverhead)
        frame.writeInteger(UInt32(0))
        frame.writeImmutableBuffer(plaintext)
        try sealInPlace(&frame)
        output.writeBuffer(&frame)
    }

    /// Seals, where it lies, the plaintext that follows a 4-byte placeholder at `frame`'s reader index, and makes
    /// `frame` the whole frame: the placeholder becomes the u32 length, the ciphertext replaces the plaintext,
    /// the 16-byte tag is appended. The same bytes on the wire as `seal(_:into:)`, without a second buffer the
    /// size of the frame (a 1 MiB shard's frame was copied once more and its new pages faulted in). On a throw
    /// (`frameTooLarge`, `counterExhausted`, `cipherFailed`) `frame` must not be sent.
    public mutating func sealInPlace(_ frame: inout ByteBuffer) throws(SessionError) {
        let length = frame.readableBytes - FrameLimits.lengthPrefixByteCount
        guard length >= 0 else { throw SessionError.frameTooShort(frame.readableBytes) }
        guard length <= FrameLimits.maxFrameLength else { throw SessionError.frameTooLarge(length) }
        guard sending.counter < UInt64.max else { throw SessionError.counterExhausted }
        let bodyLength = length + FrameLimits.sealOverhead
        frame.writeRepeatingByte(0, count: FrameLimits.sealOverhead)
        frame.setInteger(UInt32(bodyLength), at: frame.readerIndex)
        let cipher = sending.cipher
        let counter = sending.counter
        do {
            try frame.withUnsafeMutableReadableBytes { bytes throws(CryptoError) in
                let body = UnsafeMutableRawBufferPointer(rebasing: bytes[FrameLimits.lengthPrefixByteCount...])
                try cipher.seal(
                    UnsafeRawBufferPointer(rebasing: body[..<length]), counter: counter, into: body)
            }
        } catch {
            throw SessionError.cipherFailed("\(error)")
        }
        sending.counter += 1
    }

    /// Opens one frame body (the bytes after the length prefix) and returns its plaintext in a new buffer.
    public mutating func open(_ frameBody: ByteBuffer) throws(SessionError) -> ByteBuffer {
        let length = try checkedPlaintextLength(sealed: frameBody.readableBytes)
        var plaintext = ByteBufferAllocator().buffer(capacity: length)
        let cipher = receiving.cipher
        let counter = receiving.counter
        do {
            try plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out throws(CryptoError) -> Int in
                try frameBody.withUnsafeReadableBytes { sealed throws(CryptoError) in
                    try cipher.open(sealed, counter: counter, into: out)
                }
            }
        } catch CryptoError.authenticationFailed {
            throw SessionError.authenticationFailed
        } catch {
            throw SessionError.cipherFailed("\(error)")
        }
        receiving.counter += 1
        return plaintext
    }

    /// Opens, where it lies, the frame body of `bodyLength` bytes at `buffer`'s reader index: the plaintext
    /// overwrites the ciphertext, the reader index moves past the body, and the plaintext comes back as a slice
    /// of the same storage. The transport opens each frame in its receive buffer this way: a 1 MiB shard's frame
    /// needs no second buffer, and no new pages faulted in. Throws like `open(_:)`; on a throw the body's bytes
    /// are garbage (the tag is checked after decrypting) and the connection must close.
    public mutating func openInPlace(_ buffer: inout ByteBuffer, bodyLength: Int) throws(SessionError) -> ByteBuffer {
        guard bodyLength <= buffer.readableBytes else { throw SessionError.frameTooShort(buffer.readableBytes) }
        let length = try checkedPlaintextLength(sealed: bodyLength)
        let cipher = receiving.cipher
        let counter = receiving.counter
        do {
            try buffer.withUnsafeMutableReadableBytes { bytes throws(CryptoError) in
                let body = UnsafeMutableRawBufferPointer(rebasing: bytes[..<bodyLength])
                _ = try cipher.open(UnsafeRawBufferPointer(body), counter: counter, into: body)
            }
        } catch CryptoError.authenticationFailed {
            throw SessionError.authenticationFailed
        } catch {
            throw SessionError.cipherFailed("\(error)")
        }
        receiving.counter += 1
        let plaintext = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: bodyLength)
        return plaintext
    }

    /// The plaintext length of a sealed body of `sealed` bytes, or why it cannot be opened.
    private func checkedPlaintextLength(sealed: Int) throws(SessionError) -> Int {
        guard sealed >= FrameLimits.sealOverhead else { throw SessionError.frameTooShort(sealed) }
        let length = sealed - FrameLimits.sealOverhead
        guard length <= FrameLimits.maxFrameLength else { throw SessionError.frameTooLarge(length) }
        guard receiving.counter < UInt64.max else { throw SessionError.counterExhausted }
        return length
    }
}

extension SecureSession {
    fileprivate struct Direction: Sendable {
        let cipher: Cipher
        var counter: UInt64 = 0
    }

    /// One direction's AES-GCM context and nonce scratch space.
    ///
    /// `@unchecked Sendable` because `AESGCM` keeps an OpenSSL context that must not be used from two threads at
    /// once. That holds here: a session belongs to one connection, which seals and opens on one event loop (or
    /// one simulated peer), and `SecureSession` copies made by the handshake's result are handed over, not used
    /// side by side. Every call sets key and nonce afresh, so no state carries between calls.
    fileprivate final class Cipher: @unchecked Sendable {
        private let gcm: AESGCM
        private let nonce: UnsafeMutableRawBufferPointer

        init(key: [UInt8]) throws(CryptoError) {
            gcm = try AESGCM(key: key)
            nonce = .allocate(byteCount: AESGCM.nonceByteCount, alignment: 8)
            nonce.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit { nonce.deallocate() }

        func seal(
            _ plaintext: UnsafeRawBufferPointer, counter: UInt64, into output: UnsafeMutableRawBufferPointer
        )
            throws(CryptoError)
        {
            setNonce(counter)
            try gcm.seal(
                plaintext, nonce: UnsafeRawBufferPointer(nonce), aad: UnsafeRawBufferPointer(start: nil, count: 0),
                into: output)
        }

        func open(
            _ sealed: UnsafeRawBufferPointer, counter: UInt64, into output: UnsafeMutableRawBufferPointer
        )
            throws(CryptoError) -> Int
        {
            setNonce(counter)
            return try gcm.open(
                sealed, nonce: UnsafeRawBufferPointer(nonce),
                aad: UnsafeRawBufferPointer(start: nil, count: 0), into: output)
        }

        /// 4 zero bytes, then the counter big-endian.
        private func setNonce(_ counter: UInt64) {
            nonce.storeBytes(of: counter.bigEndian, toByteOffset: 4, as: UInt64.self)
        }
    }
}
