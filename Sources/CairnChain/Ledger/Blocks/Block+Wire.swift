import CairnCrypto
import CairnWire
import NIOCore

// Block encoding (big-endian):
//   header: u8 version (1) | 32 chain | u64 height | 32 previous | u64 time ms | 32 proposer | 32 tx root | u32 count
//   block:  header | count × (u32 length | signed transaction)

extension BlockHeader {
    /// SHA-256 of the header's encoding.
    public var hash: Key256 {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(BlockHeader.encodedByteCount)
        buffer.writeBlockHeader(self)
        return buffer.withUnsafeReadableBytes { SHA256.hash(buffer: $0) }
    }
}

extension ByteBuffer {
    static let blockVersion: UInt8 = 1

    @discardableResult
    public mutating func writeBlockHeader(_ header: BlockHeader) -> Int {
        let start = writerIndex
        writeInteger(ByteBuffer.blockVersion)
        writeKey256(header.chainID.hash)
        writeInteger(header.height)
        writeKey256(header.previousHash)
        writeInteger(header.timeMs)
        writePublicKey(header.proposer)
        writeKey256(header.transactionRoot)
        writeInteger(header.transactionCount)
        return writerIndex - start
    }

    /// Nil on short input; throws for a version other than 1.
    public mutating func readBlockHeader() throws(WireError) -> BlockHeader? {
        try unwindingOnFailure { buffer throws(WireError) -> BlockHeader? in
            guard let version = buffer.readInteger(as: UInt8.self) else { return nil }
            guard version == ByteBuffer.blockVersion else {
                throw .invalidValue("version \(version) is not 1", in: "block header")
            }
            guard let chain = buffer.readKey256(), let height = buffer.readInteger(as: UInt64.self),
                let previous = buffer.readKey256(), let time = buffer.readInteger(as: UInt64.self),
                let proposer = buffer.readPublicKey(), let root = buffer.readKey256(),
                let count = buffer.readInteger(as: UInt32.self)
            else { return nil }
            return BlockHeader(
                chainID: ChainID(chain), height: height, previousHash: previous, timeMs: time, proposer: proposer,
                transactionRoot: root, transactionCount: count)
        }
    }

    @discardableResult
    public mutating func writeBlock(_ block: Block) -> Int {
        let start = writerIndex
        writeBlockHeader(block.header)
        for tx in block.transactions {
            writeInteger(UInt32(tx.byteCount))
            writeBytes(tx.encoded)
        }
        return writerIndex - start
    }

    /// Reads a block of at most `maxTransactions` transactions, `maxBytes` bytes and transactions of at most
    /// `maxTransactionBytes` (give the chain's parameters). Nil on short input (the reader index unchanged);
    /// throws `tooManyItems`, `oversized`, or a transaction's error, before allocating for what it refuses.
    public mutating func readBlock(
        maxTransactions: Int, maxBytes: Int, maxTransactionBytes: Int
    ) throws(WireError) -> Block? {
        try unwindingOnFailure { buffer throws(WireError) -> Block? in
            let start = buffer.readerIndex
            guard let header = try buffer.readBlockHeader() else { return nil }
            let count = Int(header.transactionCount)
            guard count <= maxTransactions else {
                throw .tooManyItems(count: count, max: maxTransactions, in: "block")
            }
            // Every transaction takes at least its length and the smallest encoding.
            guard count * (4 + SignedTransaction.minEncodedBytes) <= buffer.readableBytes else { return nil }
            var transactions: [SignedTransaction] = []
            transactions.reserveCapacity(count)
            for _ in 0..<count {
                guard let length = buffer.readInteger(as: UInt32.self) else { return nil }
                guard Int(length) <= min(maxTransactionBytes, SignedTransaction.maxEncodedBytes) else {
                    throw .oversized(length: Int(length), max: maxTransactionBytes, in: "block transaction")
                }
                guard buffer.readerIndex - start + Int(length) <= maxBytes else {
                    throw .oversized(length: buffer.readerIndex - start + Int(length), max: maxBytes, in: "block")
                }
                guard var slice = buffer.readSlice(length: Int(length)) else { return nil }
                guard let tx = try slice.readSignedTransaction() else {
                    throw .truncated(reading: "block transaction")
                }
                guard slice.readableBytes == 0 else { throw .trailingBytes(slice.readableBytes) }
                transactions.append(tx)
            }
            return Block(header: header, transactions: transactions)
        }
    }
}

extension Block {
    /// Decodes exactly one block from `bytes` under the limits of `params`; never traps.
    public init(decoding bytes: [UInt8], params: ChainParameters) throws(WireError) {
        guard bytes.count <= Int(params.maxBlockBytes) else {
            throw .oversized(length: bytes.count, max: Int(params.maxBlockBytes), in: "block")
        }
        var buffer = ByteBuffer(bytes: bytes)
        guard
            let block = try buffer.readBlock(
                maxTransactions: Int(params.maxBlockTxs), maxBytes: Int(params.maxBlockBytes),
                maxTransactionBytes: Int(params.maxTxBytes))
        else { throw .truncated(reading: "block") }
        guard buffer.readableBytes == 0 else { throw .trailingBytes(buffer.readableBytes) }
        self = block
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeBlock(self)
        return buffer.readBytes(length: buffer.readableBytes)!
    }
}
