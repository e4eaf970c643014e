import CairnCrypto

/// AES-256-GCM for the segments of one file (DESIGN.md §5).
///
/// - key: the file's random key, used for this file only;
/// - nonce: 4 zero bytes ‖ segment index (u64, big-endian). Unique per key because indices are;
/// - associated data: file nonce (32 bytes) ‖ segment index (u64 BE) ‖ plaintext length (u64 BE), so a segment
///   cannot be moved to another file, another position, or truncated without the tag failing;
/// - output: ciphertext followed by the 16-byte tag.
///
/// Not thread-safe (it keeps one OpenSSL context): one per pipeline.
public final class SegmentCipher {
    public static let tagByteCount = AESGCM.tagByteCount
    static let aadByteCount = Key256.byteCount + 16

    public let fileNonce: Key256
    private let aead: AESGCM
    /// Nonce (12 bytes) then associated data (48 bytes), rewritten per segment.
    private let scratch: UnsafeMutableRawBufferPointer

    public init(key: FileKey, fileNonce: Key256) throws(StorageError) {
        do {
            aead = try AESGCM(key: key.bytes)
        } catch {
            throw .crypto(error)
        }
        self.fileNonce = fileNonce
        scratch = .allocate(byteCount: AESGCM.nonceByteCount + SegmentCipher.aadByteCount, alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        let aad = scratch.baseAddress! + AESGCM.nonceByteCount
        for (i, word) in [fileNonce.w0, fileNonce.w1, fileNonce.w2, fileNonce.w3].enumerated() {
            aad.storeBytes(of: word.bigEndian, toByteOffset: i * 8, as: UInt64.self)
        }
    }

    deinit { scratch.deallocate() }

    /// Encrypts `plaintext` as segment `index` into `output`, which must hold `plaintext.count + 16` bytes.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer, segment index: UInt64, into output: UnsafeMutableRawBufferPointer
    ) throws(StorageError) {
        let (nonce, aad) = prepare(index: index, plaintextLength: plaintext.count)
        do {
            try aead.seal(plaintext, nonce: nonce, aad: aad, into: output)
        } catch {
            throw .crypto(error)
        }
    }

    /// Checks and decrypts segment `index` (ciphertext ‖ tag) into `output`; returns the plaintext length.
    @discardableResult
    public func open(
        _ sealed: UnsafeRawBufferPointer, segment index: UInt64, into output: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        guard sealed.count >= SegmentCipher.tagByteCount else { throw .authenticationFailed(segment: index) }
        let (nonce, aad) = prepare(index: index, plaintextLength: sealed.count - SegmentCipher.tagByteCount)
        do {
            return try aead.open(sealed, nonce: nonce, aad: aad, into: output)
        } catch .authenticationFailed {
            throw .authenticationFailed(segment: index)
        } catch {
            throw .crypto(error)
        }
    }

    public func seal(_ plaintext: [UInt8], segment index: UInt64) throws(StorageError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + SegmentCipher.tagByteCount)
        try withBuffers(plaintext, &output) { (input, out) throws(StorageError) in
            try seal(input, segment: index, into: out)
        }
        return output
    }

    public func open(_ sealed: [UInt8], segment index: UInt64) throws(StorageError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: max(0, sealed.count - SegmentCipher.tagByteCount))
        try withBuffers(sealed, &output) { (input, out) throws(StorageError) in
            try open(input, segment: index, into: out)
        }
        return output
    }

    private func prepare(index: UInt64, plaintextLength: Int) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        let base = scratch.baseAddress!
        base.storeBytes(of: UInt32(0), as: UInt32.self)
        base.storeBytes(of: index.bigEndian, toByteOffset: 4, as: UInt64.self)
        let aad = base + AESGCM.nonceByteCount
        aad.storeBytes(of: index.bigEndian, toByteOffset: Key256.byteCount, as: UInt64.self)
        aad.storeBytes(of: UInt64(plaintextLength).bigEndian, toByteOffset: Key256.byteCount + 8, as: UInt64.self)
        return (UnsafeRawBufferPointer(start: base, count: AESGCM.nonceByteCount),
                UnsafeRawBufferPointer(start: aad, count: SegmentCipher.aadByteCount))
    }
}

/// Borrows an input array and an output array as raw buffers for a typed-throwing body (the standard library's
/// `withUnsafeBytes` erases the error type).
func withBuffers(
    _ input: [UInt8], _ output: inout [UInt8],
    _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(StorageError) -> Void
) throws(StorageError) {
    var failure: StorageError?
    input.withUnsafeBytes { inBuffer in
        output.withUnsafeMutableBytes { outBuffer in
            do throws(StorageError) { try body(inBuffer, outBuffer) } catch { failure = error }
        }
    }
    if let failure { throw failure }
}
