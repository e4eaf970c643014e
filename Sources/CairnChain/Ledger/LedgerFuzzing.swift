import CairnWire
import NIOCore

/// libFuzzer-style entry point for the ledger's decoders (a transaction, a block): it must never trap on any
/// input, and traps on purpose on a codec asymmetry (bytes that decode must re-encode to the same bytes), which
/// would let two peers hash one transaction differently. A harness links it as `cairnWireFuzzOne` is linked
/// (`CairnWire/Codec/WireFuzzing.swift`); every input that ever trapped belongs in `TransactionCodecTests`.
public func cairnLedgerFuzzOne(_ data: UnsafeRawBufferPointer) {
    let bytes = [UInt8](data)
    if let tx = try? SignedTransaction(decoding: bytes) {
        precondition(tx.encoded == bytes, "a decoded transaction keeps other bytes than it came in")
        var buffer = ByteBuffer()
        buffer.writeTransaction(tx.transaction)
        precondition(
            Array(buffer.readableBytesView) == Array(bytes.dropLast(64)),
            "a decoded transaction re-encodes to other bytes")
    }
    var buffer = ByteBuffer(bytes: bytes)
    if let block = try? buffer.readBlock(maxTransactions: 1_000, maxBytes: 1 << 20, maxTransactionBytes: 1 << 16) {
        let consumed = bytes.count - buffer.readableBytes
        precondition(block.encoded == Array(bytes.prefix(consumed)), "a decoded block re-encodes to other bytes")
    }
}
