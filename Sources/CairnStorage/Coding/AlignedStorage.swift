import CairnCrypto

/// A fixed block of 64-byte-aligned memory: the segment buffers the pipelines reuse.
///
/// `@unchecked Sendable`: an `EncodedSegment` shares its storage only for reading; the encoder writes into a
/// storage again only when `isKnownUniquelyReferenced` proves that no segment (on any thread) still holds it.
final class AlignedStorage: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        self.base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    deinit { base.deallocate() }

    var buffer: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: byteCount) }

    func region(_ offset: Int, _ count: Int) -> UnsafeMutableRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset + count <= byteCount, "region outside storage")
        return UnsafeMutableRawBufferPointer(start: base + offset, count: count)
    }
}
