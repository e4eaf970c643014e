import NIOCore

/// The chain's announcements, requests and responses after the protocol tag (`WireCodec`, tag 4).
///
/// ```
/// announcement := op u8 ‖ body
///   0 status                 height u64 ‖ tip Key256
///   1 proposal               bytes (u32 length ≤ 1 KiB)
///   2 votes                  u16 count ≤ 256 ‖ bytes (u32 length ≤ 1 KiB)*
///   3 transactionsAvailable  u16 count ≤ 1024 ‖ Key256*
/// request := op u8 ‖ body
///   0 getTransactions        u16 count ≤ 1024 ‖ Key256*
///   1 getProposedBlock       hash Key256
///   2 getBlocks              from u64 ‖ max count u16
/// response := op u8 ‖ body
///   0 transactions           u16 count ≤ 1024 ‖ bytes (u32 length ≤ 64 KiB)*
///   1 proposedBlock          present u8 (0/1) ‖ bytes (u32 length ≤ 2 MiB) if present
///   2 blocks                 u16 count ≤ 1024 ‖ (block bytes (≤ 2 MiB) ‖ commit bytes (≤ 64 KiB))*
/// ```
enum ChainCodec {
    enum AnnouncementOp: UInt8 {
        case status = 0
        case proposal = 1
        case votes = 2
        case transactionsAvailable = 3
    }

    enum RequestOp: UInt8 {
        case getTransactions = 0
        case getProposedBlock = 1
        case getBlocks = 2
    }

    enum ResponseOp: UInt8 {
        case transactions = 0
        case proposedBlock = 1
        case blocks = 2
    }

    // MARK: Announcements

    static func write(_ announcement: ChainAnnouncement, into buffer: inout ByteBuffer) {
        switch announcement {
        case .status(let height, let tip):
            buffer.writeInteger(AnnouncementOp.status.rawValue)
            buffer.writeInteger(height)
            buffer.writeKey256(tip)
        case .proposal(let bytes):
            buffer.writeInteger(AnnouncementOp.proposal.rawValue)
            buffer.writeWireSlice(bytes)
        case .votes(let votes):
            buffer.writeInteger(AnnouncementOp.votes.rawValue)
            buffer.writeWireArray(votes, maxCount: ChainLimits.maxVotesPerAnnouncement) { $0.writeWireSlice($1) }
        case .transactionsAvailable(let hashes):
            buffer.writeInteger(AnnouncementOp.transactionsAvailable.rawValue)
            writeHashes(hashes, into: &buffer)
        }
    }

    static func readAnnouncement(from buffer: inout ByteBuffer) throws(WireError) -> ChainAnnouncement {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "chain announcement")
        guard let op = AnnouncementOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "chain announcement") }
        switch op {
        case .status:
            let height = try need(buffer.readInteger(as: UInt64.self), "chain height")
            return .status(height: height, tip: try need(buffer.readKey256(), "chain tip"))
        case .proposal:
            return .proposal(try need(
                buffer.readWireSlice(maxLength: ChainLimits.maxSignedMessageBytes, "proposal"), "proposal"))
        case .votes:
            let votes = try buffer.readWireArray(
                maxCount: ChainLimits.maxVotesPerAnnouncement, minElementByteCount: 4, "votes"
            ) { element throws(WireError) in
                try element.readWireSlice(maxLength: ChainLimits.maxSignedMessageBytes, "vote")
            }
            return .votes(try need(votes, "votes"))
        case .transactionsAvailable:
            return .transactionsAvailable(try readHashes(from: &buffer, "transaction hashes"))
        }
    }

    // MARK: Requests

    static func write(_ request: ChainRequest, into buffer: inout ByteBuffer) {
        switch request {
        case .getTransactions(let hashes):
            buffer.writeInteger(RequestOp.getTransactions.rawValue)
            writeHashes(hashes, into: &buffer)
        case .getProposedBlock(let hash):
            buffer.writeInteger(RequestOp.getProposedBlock.rawValue)
            buffer.writeKey256(hash)
        case .getBlocks(let from, let maxCount):
            buffer.writeInteger(RequestOp.getBlocks.rawValue)
            buffer.writeInteger(from)
            buffer.writeInteger(maxCount)
        }
    }

    static func readRequest(from buffer: inout ByteBuffer) throws(WireError) -> ChainRequest {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "chain request")
        guard let op = RequestOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "chain request") }
        switch op {
        case .getTransactions:
            return .getTransactions(try readHashes(from: &buffer, "transaction hashes"))
        case .getProposedBlock:
            return .getProposedBlock(try need(buffer.readKey256(), "block hash"))
        case .getBlocks:
            let from = try need(buffer.readInteger(as: UInt64.self), "first height")
            return .getBlocks(from: from, maxCount: try need(buffer.readInteger(as: UInt16.self), "block count"))
        }
    }

    // MARK: Responses

    static func write(_ response: ChainResponse, into buffer: inout ByteBuffer) {
        switch response {
        case .transactions(let transactions):
            buffer.writeInteger(ResponseOp.transactions.rawValue)
            buffer.writeWireArray(transactions, maxCount: ChainLimits.maxTransactionsPerAnswer) { $0.writeWireSlice($1) }
        case .proposedBlock(let block):
            buffer.writeInteger(ResponseOp.proposedBlock.rawValue)
            buffer.writeWireBool(block != nil)
            if let block { buffer.writeWireSlice(block) }
        case .blocks(let blocks):
            buffer.writeInteger(ResponseOp.blocks.rawValue)
            buffer.writeWireArray(blocks, maxCount: ChainLimits.maxBlocksPerAnswer) { buffer, committed in
                buffer.writeWireSlice(committed.block)
                buffer.writeWireSlice(committed.commit)
            }
        }
    }

    static func readResponse(from buffer: inout ByteBuffer) throws(WireError) -> ChainResponse {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "chain response")
        guard let op = ResponseOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "chain response") }
        switch op {
        case .transactions:
            let transactions = try buffer.readWireArray(
                maxCount: ChainLimits.maxTransactionsPerAnswer, minElementByteCount: 4, "transactions"
            ) { element throws(WireError) in
                try element.readWireSlice(maxLength: ChainLimits.maxTransactionBytes, "transaction")
            }
            return .transactions(try need(transactions, "transactions"))
        case .proposedBlock:
            guard try need(buffer.readWireBool("block presence"), "block presence") else { return .proposedBlock(nil) }
            return .proposedBlock(try need(buffer.readWireSlice(maxLength: ChainLimits.maxBlockBytes, "block"), "block"))
        case .blocks:
            let blocks = try buffer.readWireArray(
                maxCount: ChainLimits.maxBlocksPerAnswer, minElementByteCount: 8, "blocks"
            ) { element throws(WireError) -> CommittedBlockBytes? in
                guard let block = try element.readWireSlice(maxLength: ChainLimits.maxBlockBytes, "block"),
                    let commit = try element.readWireSlice(maxLength: ChainLimits.maxCommitBytes, "commit")
                else { return nil }
                return CommittedBlockBytes(block: block, commit: commit)
            }
            return .blocks(try need(blocks, "blocks"))
        }
    }

    // MARK: Shared pieces

    private static func writeHashes(_ hashes: [Key256], into buffer: inout ByteBuffer) {
        buffer.writeWireArray(hashes, maxCount: ChainLimits.maxHashesPerMessage) { $0.writeKey256($1) }
    }

    private static func readHashes(from buffer: inout ByteBuffer, _ what: String) throws(WireError) -> [Key256] {
        let hashes = try buffer.readWireArray(
            maxCount: ChainLimits.maxHashesPerMessage, minElementByteCount: Key256.byteCount, what
        ) { element throws(WireError) in element.readKey256() }
        return try need(hashes, what)
    }
}

extension ByteBuffer {
    /// Bytes behind a big-endian u32 length, as a slice of this buffer (no copy). Throws `oversized` for a length
    /// over `maxLength`, before reading them; nil (rewound) when fewer bytes remain.
    public mutating func readWireSlice(
        maxLength: Int, _ what: @autoclosure () -> String
    ) throws(WireError) -> ByteBuffer? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> ByteBuffer? in
            guard let length = buffer.readInteger(as: UInt32.self) else { return nil }
            guard Int(length) <= maxLength else {
                throw WireError.oversized(length: Int(length), max: maxLength, in: what())
            }
            return buffer.readSlice(length: Int(length))
        }
    }

    /// Writes a big-endian u32 length and the readable bytes of `bytes`.
    @discardableResult
    public mutating func writeWireSlice(_ bytes: ByteBuffer) -> Int {
        writeInteger(UInt32(truncatingIfNeeded: bytes.readableBytes)) + writeImmutableBuffer(bytes)
    }
}
