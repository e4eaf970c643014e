import COpenSSL
import CairnCrypto

/// SHA-256 of all the shards of a segment at once, through OpenSSL's EVP digests fed in small interleaved steps.
///
/// SHA-NI's round instructions are latency-bound: one stream leaves the unit waiting on each round's result.
/// Feeding the n shards one 64-byte block at a time, in turn, puts independent dependency chains next to each
/// other in the out-of-order window, and the core overlaps them: about 2.6 GB/s instead of 2.0 on the machine we
/// measured (AMD EPYC, Zen 5), with the very same OpenSSL code. A multi-buffer SHA-256 in C would do as well and
/// would belong in CairnCrypto; until then this reaches OpenSSL's EVP API directly.
/// Every shard is hashed twice per byte of plaintext at 4-of-8, so this is most of put's time.
///
/// Not thread-safe (it keeps its contexts): one per pipeline.
final class ShardHasher {
    /// Bytes fed to one context before moving to the next: one SHA-256 block (128 measures the same; beyond
    /// 256 the overlap fades).
    static let step = 64

    private let digest: OpaquePointer
    private let contexts: UnsafeMutablePointer<OpaquePointer?>
    let capacity: Int

    /// A hasher for up to `capacity` buffers at a time.
    init(capacity: Int) {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("OpenSSL has no SHA-256") }
        self.digest = digest
        self.capacity = capacity
        contexts = .allocate(capacity: capacity)
        for i in 0..<capacity {
            guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            contexts[i] = context
        }
    }

    deinit {
        for i in 0..<capacity { EVP_MD_CTX_free(contexts[i]) }
        contexts.deallocate()
        EVP_MD_free(digest)
    }

    /// The SHA-256 of each of `count` consecutive buffers of `length` bytes starting at `base`.
    func hash(contiguous base: UnsafeRawPointer, length: Int, count: Int) -> [Key256] {
        precondition(count <= capacity, "more buffers than contexts")
        for i in 0..<count { EVP_DigestInit_ex(contexts[i], digest, nil) }
        var offset = 0
        while offset < length {
            let step = min(ShardHasher.step, length - offset)
            var shard = base + offset
            for i in 0..<count {
                EVP_DigestUpdate(contexts[i], shard, step)
                shard += length
            }
            offset += step
        }
        return finish(count)
    }

    /// The SHA-256 of each buffer (of any lengths).
    func hash(_ buffers: [UnsafeRawBufferPointer]) -> [Key256] {
        precondition(buffers.count <= capacity, "more buffers than contexts")
        for i in buffers.indices { EVP_DigestInit_ex(contexts[i], digest, nil) }
        let longest = buffers.map(\.count).max() ?? 0
        var offset = 0
        while offset < longest {
            for (i, buffer) in buffers.enumerated() where offset < buffer.count {
                let step = min(ShardHasher.step, buffer.count - offset)
                EVP_DigestUpdate(contexts[i], buffer.baseAddress! + offset, step)
            }
            offset += ShardHasher.step
        }
        return finish(buffers.count)
    }

    private func finish(_ count: Int) -> [Key256] {
        var ids: [Key256] = []
        ids.reserveCapacity(count)
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            let bytes = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count {
                var written: UInt32 = 0
                EVP_DigestFinal_ex(contexts[i], bytes, &written)
                ids.append(Key256(loadingBigEndian: UnsafeRawPointer(out.baseAddress!)))
            }
        }
        return ids
    }
}

extension Key256 {
    /// Reads 32 big-endian bytes at `pointer`.
    init(loadingBigEndian pointer: UnsafeRawPointer) {
        self.init(w0: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  w1: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }
}
