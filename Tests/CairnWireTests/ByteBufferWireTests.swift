import CairnWire
import NIOCore
import Testing

struct ByteBufferWireTests {
    @Test func shortReadsReturnNilAndRewind() throws {
        var full = ByteBuffer()
        full.writePeerInfo(PeerInfo(id: Samples.key(1), address: PeerAddress(host: "example.org", port: 80)))
        full.writePeerRecord(Samples.peerRecord)
        full.writeProviderRecord(Samples.providerRecord)
        let bytes = Array(full.readableBytesView)
        for length in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[0..<length])
            let start = buffer.readerIndex
            // Read as far as the bytes go; the first reader to run short must leave the index where it was.
            var index = buffer.readerIndex
            if try buffer.readPeerInfo() != nil {
                index = buffer.readerIndex
                if try buffer.readPeerRecord() != nil {
                    index = buffer.readerIndex
                    #expect(try buffer.readProviderRecord() == nil)
                } else {
                    #expect(buffer.readerIndex == index)
                }
            }
            #expect(buffer.readerIndex == index)
            #expect(buffer.readerIndex >= start)
        }
        var whole = ByteBuffer(bytes: bytes)
        #expect(try whole.readPeerInfo()?.address.host == "example.org")
        #expect(try whole.readPeerRecord() == Samples.peerRecord)
        #expect(try whole.readProviderRecord() == Samples.providerRecord)
        #expect(whole.readableBytes == 0)
    }

    @Test func throwingReadersRewindToo() {
        var buffer = ByteBuffer(bytes: [0x00, 0x02, 0xc3, 0x28])  // u16 length 2, then invalid UTF-8
        #expect(throws: WireError.badUTF8(in: "name")) { try buffer.readWireString(maxLength: 10, "name") }
        #expect(buffer.readerIndex == 0)
        var flag = ByteBuffer(bytes: [7])
        #expect(throws: WireError.self) { try flag.readWireBool("flag") }
        #expect(flag.readerIndex == 0)
    }

    @Test func fixedSizeValues() throws {
        var buffer = ByteBuffer()
        let key = Samples.key(5)
        buffer.writeKey256(key)
        buffer.writePublicKey(Samples.identity(1).publicKey)
        buffer.writeInstant(Instant(nanoseconds: -42))
        buffer.writeSignature([1, 2, 3])  // short: padded
        #expect(buffer.readableBytes == 32 + 32 + 8 + 64)
        #expect(Array(buffer.readableBytesView.prefix(32)) == key.bytes)
        #expect(buffer.readKey256() == key)
        #expect(buffer.readPublicKey() == Samples.identity(1).publicKey)
        #expect(buffer.readInstant() == Instant(nanoseconds: -42))
        #expect(buffer.readSignature() == [1, 2, 3] + [UInt8](repeating: 0, count: 61))
        #expect(buffer.readKey256() == nil)
    }

    @Test func byteStrings() throws {
        var buffer = ByteBuffer()
        buffer.writeWireBytes([9, 8, 7])
        #expect(Array(buffer.readableBytesView) == [0, 0, 0, 3, 9, 8, 7])
        var copy = buffer
        #expect(throws: WireError.oversized(length: 3, max: 2, in: "blob")) {
            try copy.readWireBytes(maxLength: 2, "blob")
        }
        #expect(try buffer.readWireBytes(maxLength: 3, "blob") == [9, 8, 7])
        // A huge announced length with nothing behind it: nil (need more), nothing allocated.
        var lying = ByteBuffer(bytes: [0x00, 0x40, 0x00, 0x00])
        #expect(try lying.readWireBytes(maxLength: 1 << 23, "blob") == nil)
        #expect(lying.readerIndex == 0)
    }

    @Test func arraysCheckCountThenBytes() throws {
        var buffer = ByteBuffer()
        buffer.writeWireArray([1, 2, 3] as [UInt16], maxCount: 10) { $0.writeInteger($1) }
        #expect(Array(buffer.readableBytesView) == [0, 3, 0, 1, 0, 2, 0, 3])
        var tooMany = buffer
        #expect(throws: WireError.tooManyItems(count: 3, max: 2, in: "numbers")) {
            try tooMany.readWireArray(maxCount: 2, minElementByteCount: 2, "numbers") {
                $0.readInteger(as: UInt16.self)
            }
        }
        let values = try buffer.readWireArray(maxCount: 3, minElementByteCount: 2, "numbers") {
            $0.readInteger(as: UInt16.self)
        }
        #expect(values == [1, 2, 3])

        var clamped = ByteBuffer()
        clamped.writeWireArray(Array(0..<10) as [UInt8], maxCount: 4) { $0.writeInteger($1) }
        #expect(Array(clamped.readableBytesView) == [0, 4, 0, 1, 2, 3])
    }

    @Test func optionalAddress() throws {
        var buffer = ByteBuffer()
        buffer.writeOptionalPeerAddress(nil)
        buffer.writeOptionalPeerAddress(PeerAddress(host: "::1", port: 9))
        #expect(Array(buffer.readableBytesView) == [0, 1, 3, 0x3a, 0x3a, 0x31, 0, 9])
        #expect(try buffer.readOptionalPeerAddress() == .some(nil))
        #expect(try buffer.readOptionalPeerAddress() == .some(PeerAddress(host: "::1", port: 9)))
        #expect(try buffer.readOptionalPeerAddress() == nil)
    }

    @Test func longHostsAreCutOnWrite() throws {
        var buffer = ByteBuffer()
        buffer.writePeerAddress(PeerAddress(host: String(repeating: "ü", count: 200), port: 1))
        let address = try #require(try buffer.readPeerAddress())
        // 127 two-byte characters fit in 255 bytes; the 128th would not.
        #expect(address.host == String(repeating: "ü", count: 127))
    }
}
