import NIOCore

/// The storage protocol's requests and responses after the protocol tag (`WireCodec`, tag 3).
///
/// ```
/// request  := op u8 ‖ body
///   0 putShard   id Key256 ‖ file nonce Key256 ‖ owner PublicKey ‖ the rest of the frame: the shard
///   1 getShard   id Key256
///   2 capacity
///   3 putBlob    kind u8 ‖ key Key256 ‖ has record u8 ‖ ProviderRecord if present ‖ the rest of the frame: the blob
///   4 getBlob    kind u8 ‖ key Key256
///   5 delete     fileID Key256 ‖ file nonce Key256 ‖ shard ids (u16 count, Key256*) ‖ owner PublicKey ‖ issued i64 ‖ signature
///   6 confirm    the fields of delete, then placement entries (u16 count, slot u8 ‖ first u32 ‖ end u32),
///                signed under another domain (`ConfirmOrder`)
///   7 holds      shard ids (u16 count, Key256*)
///   8 prove      id Key256 ‖ leaf u32
///   9 adopt      entries (u16 count, slot u8 ‖ first u32 ‖ end u32) ‖ the rest of the frame: the descriptor
///  10 locate     file ID Key256 ‖ descriptor wanted u8
/// response := op u8 ‖ body
///   0 stored
///   1 shard      the rest of the frame
///   2 capacity   total u64 ‖ used u64 [‖ free u64 ‖ now i64]   (the bracketed part absent from older peers)
///   3 blob       present u8 ‖ the rest of the frame
///   4 deleted    count u32
///   5 confirmed  count u32 ‖ has record u8 ‖ PlacementRecord if present (the holder's signed placement)
///   6 holding    count u16 ‖ ⌈count/8⌉ bytes, flag i in bit (i mod 8) of byte ⌊i/8⌋
///   7 proof      leaf count u32 ‖ path (u16 count, Key256*) ‖ the rest of the frame: the leaf
///   8 located    has descriptor u8 ‖ descriptor (u32 length ‖ bytes) if present ‖ has placement u8 ‖
///                the rest of the frame: the placement records
/// ```
/// Shards and blobs run to the end of the frame, so they are never copied into a length-prefixed field.
enum StorageCodec {
    enum RequestOp: UInt8 {
        case putShard = 0, getShard, capacity, putBlob, getBlob, delete, confirm, holds, prove, adopt, locate
    }

    enum ResponseOp: UInt8 {
        case stored = 0, shard, capacity, blob, deleted, confirmed, holding, proof, located
    }

    /// Deepest audit path accepted: a tree of 2⁶⁴ leaves.
    static let maxPathLength = 64

    static func write(_ request: StorageRequest, into buffer: inout ByteBuffer) {
        switch request {
        case .putShard(let id, let file, let owner, var bytes):
            buffer.writeInteger(RequestOp.putShard.rawValue)
            buffer.writeKey256(id)
            buffer.writeKey256(file)
            buffer.writePublicKey(owner)
            buffer.writeBuffer(&bytes)
        case .getShard(let id):
            buffer.writeInteger(RequestOp.getShard.rawValue)
            buffer.writeKey256(id)
        case .capacity:
            buffer.writeInteger(RequestOp.capacity.rawValue)
        case .putBlob(let kind, let key, let provider, var bytes):
            buffer.writeInteger(RequestOp.putBlob.rawValue)
            buffer.writeInteger(kind.rawValue)
            buffer.writeKey256(key)
            buffer.writeWireBool(provider != nil)
            if let provider { buffer.writeProviderRecord(provider) }
            buffer.writeBuffer(&bytes)
        case .getBlob(let kind, let key):
            buffer.writeInteger(RequestOp.getBlob.rawValue)
            buffer.writeInteger(kind.rawValue)
            buffer.writeKey256(key)
        case .delete(let order):
            buffer.writeInteger(RequestOp.delete.rawValue)
            buffer.writeKey256(order.fileID)
            buffer.writeKey256(order.fileNonce)
            buffer.writeWireArray(order.shardIDs, maxCount: DeleteOrder.maxShards) { $0.writeKey256($1) }
            buffer.writePublicKey(order.owner)
            buffer.writeInstant(order.issued)
            buffer.writeSignature(order.signature)
        case .confirm(let order):
            buffer.writeInteger(RequestOp.confirm.rawValue)
            buffer.writeKey256(order.fileID)
            buffer.writeKey256(order.fileNonce)
            buffer.writeWireArray(order.shardIDs, maxCount: ConfirmOrder.maxShards) { $0.writeKey256($1) }
            buffer.writePlacementEntries(order.entries)
            buffer.writePublicKey(order.owner)
            buffer.writeInstant(order.issued)
            buffer.writeSignature(order.signature)
        case .holds(let ids):
            buffer.writeInteger(RequestOp.holds.rawValue)
            buffer.writeWireArray(ids, maxCount: StorageRequest.maxProbedShards) { $0.writeKey256($1) }
        case .prove(let id, let leaf):
            buffer.writeInteger(RequestOp.prove.rawValue)
            buffer.writeKey256(id)
            buffer.writeInteger(leaf)
        case .adopt(var descriptor, let entries):
            buffer.writeInteger(RequestOp.adopt.rawValue)
            buffer.writePlacementEntries(entries)
            buffer.writeBuffer(&descriptor)
        case .locate(let fileID, let descriptor):
            buffer.writeInteger(RequestOp.locate.rawValue)
            buffer.writeKey256(fileID)
            buffer.writeWireBool(descriptor)
        }
    }

    static func readRequest(from buffer: inout ByteBuffer) throws(WireError) -> StorageRequest {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "storage request operation")
        guard let op = RequestOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "storage request") }
        switch op {
        case .putShard:
            let id = try need(buffer.readKey256(), "shard ID")
            let file = try need(buffer.readKey256(), "file nonce")
            let owner = try need(buffer.readPublicKey(), "shard owner")
            return .putShard(id: id, file: file, owner: owner, bytes: buffer.readSlice(length: buffer.readableBytes)!)
        case .getShard:
            return .getShard(id: try need(buffer.readKey256(), "shard ID"))
        case .capacity:
            return .capacity
        case .putBlob:
            let kind = try readBlobKind(&buffer)
            let key = try need(buffer.readKey256(), "blob key")
            let hasProvider = try need(buffer.readWireBool("provider record flag"), "provider record flag")
            let provider = hasProvider ? try need(buffer.readProviderRecord(), "provider record") : nil
            guard buffer.readableBytes <= StorageRequest.maxBlobBytes else {
                throw WireError.oversized(length: buffer.readableBytes, max: StorageRequest.maxBlobBytes, in: "blob")
            }
            return .putBlob(kind: kind, key: key, provider: provider, bytes: buffer.readSlice(length: buffer.readableBytes)!)
        case .getBlob:
            let kind = try readBlobKind(&buffer)
            return .getBlob(kind: kind, key: try need(buffer.readKey256(), "blob key"))
        case .delete:
            let fileID = try need(buffer.readKey256(), "file ID")
            let fileNonce = try need(buffer.readKey256(), "file nonce")
            let shards = try need(
                buffer.readWireArray(maxCount: DeleteOrder.maxShards, minElementByteCount: 32, "shard list") {
                    $0.readKey256()
                }, "shard list")
            let owner = try need(buffer.readPublicKey(), "owner key")
            let issued = try need(buffer.readInstant(), "issue time")
            let signature = try need(buffer.readSignature(), "owner signature")
            return .delete(DeleteOrder(fileID: fileID, fileNonce: fileNonce, shardIDs: shards, owner: owner, issued: issued, signature: signature))
        case .confirm:
            let fileID = try need(buffer.readKey256(), "file ID")
            let fileNonce = try need(buffer.readKey256(), "file nonce")
            let shards = try need(
                buffer.readWireArray(maxCount: ConfirmOrder.maxShards, minElementByteCount: 32, "shard list") {
                    $0.readKey256()
                }, "shard list")
            let entries = try need(buffer.readPlacementEntries(), "placement entries")
            let owner = try need(buffer.readPublicKey(), "owner key")
            let issued = try need(buffer.readInstant(), "issue time")
            let signature = try need(buffer.readSignature(), "owner signature")
            return .confirm(ConfirmOrder(fileID: fileID, fileNonce: fileNonce, shardIDs: shards, entries: entries,
                                         owner: owner, issued: issued, signature: signature))
        case .holds:
            let ids = try need(
                buffer.readWireArray(
                    maxCount: StorageRequest.maxProbedShards, minElementByteCount: 32, "probed shards"
                ) { $0.readKey256() }, "probed shards")
            return .holds(ids: ids)
        case .prove:
            let id = try need(buffer.readKey256(), "shard ID")
            let leaf = try need(buffer.readInteger(as: UInt32.self), "leaf index")
            return .prove(id: id, leaf: leaf)
        case .adopt:
            let entries = try need(buffer.readPlacementEntries(), "placement entries")
            guard buffer.readableBytes <= StorageRequest.maxBlobBytes else {
                throw WireError.oversized(length: buffer.readableBytes, max: StorageRequest.maxBlobBytes, in: "descriptor")
            }
            return .adopt(descriptor: buffer.readSlice(length: buffer.readableBytes)!, entries: entries)
        case .locate:
            let fileID = try need(buffer.readKey256(), "file ID")
            let descriptor = try need(buffer.readWireBool("descriptor flag"), "descriptor flag")
            return .locate(fileID: fileID, descriptor: descriptor)
        }
    }

    static func write(_ response: StorageResponse, into buffer: inout ByteBuffer) {
        switch response {
        case .stored:
            buffer.writeInteger(ResponseOp.stored.rawValue)
        case .shard(var bytes):
            buffer.writeInteger(ResponseOp.shard.rawValue)
            buffer.writeBuffer(&bytes)
        case .capacity(let total, let used, let free, let now):
            buffer.writeInteger(ResponseOp.capacity.rawValue)
            buffer.writeMultipleIntegers(total, used)
            if let now {
                buffer.writeInteger(free)
                buffer.writeInstant(now)
            }
        case .blob(let bytes):
            buffer.writeInteger(ResponseOp.blob.rawValue)
            buffer.writeWireBool(bytes != nil)
            if var bytes { buffer.writeBuffer(&bytes) }
        case .deleted(let count):
            buffer.writeInteger(ResponseOp.deleted.rawValue)
            buffer.writeInteger(UInt32(clamping: count))
        case .confirmed(let count, let placement):
            buffer.writeInteger(ResponseOp.confirmed.rawValue)
            buffer.writeInteger(UInt32(clamping: count))
            buffer.writeWireBool(placement != nil)
            if let placement { buffer.writePlacementRecord(placement) }
        case .proof(var leaf, let leafCount, let path):
            buffer.writeInteger(ResponseOp.proof.rawValue)
            buffer.writeInteger(leafCount)
            buffer.writeWireArray(path, maxCount: maxPathLength) { $0.writeKey256($1) }
            buffer.writeBuffer(&leaf)
        case .holding(let flags):
            buffer.writeInteger(ResponseOp.holding.rawValue)
            let kept = flags.prefix(StorageRequest.maxProbedShards)
            buffer.writeInteger(UInt16(kept.count))
            var byte: UInt8 = 0
            for (i, flag) in kept.enumerated() {
                if flag { byte |= 1 << UInt8(i % 8) }
                if i % 8 == 7 {
                    buffer.writeInteger(byte)
                    byte = 0
                }
            }
            if kept.count % 8 != 0 { buffer.writeInteger(byte) }
        case .located(let descriptor, let placement):
            buffer.writeInteger(ResponseOp.located.rawValue)
            buffer.writeWireBool(descriptor != nil)
            if var descriptor {
                buffer.writeInteger(UInt32(descriptor.readableBytes))
                buffer.writeBuffer(&descriptor)
            }
            buffer.writeWireBool(placement != nil)
            if var placement { buffer.writeBuffer(&placement) }
        }
    }

    static func readResponse(from buffer: inout ByteBuffer) throws(WireError) -> StorageResponse {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "storage response operation")
        guard let op = ResponseOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "storage response") }
        switch op {
        case .stored:
            return .stored
        case .shard:
            return .shard(buffer.readSlice(length: buffer.readableBytes)!)
        case .capacity:
            let total = try need(buffer.readInteger(as: UInt64.self), "total capacity")
            let used = try need(buffer.readInteger(as: UInt64.self), "used capacity")
            guard buffer.readableBytes > 0 else {
                return .capacity(total: total, used: used, free: total > used ? total - used : 0, now: nil)
            }
            let free = try need(buffer.readInteger(as: UInt64.self), "free capacity")
            let now = try need(buffer.readInstant(), "provider clock")
            return .capacity(total: total, used: used, free: free, now: now)
        case .blob:
            let present = try need(buffer.readWireBool("blob flag"), "blob flag")
            guard present else { return .blob(nil) }
            return .blob(buffer.readSlice(length: buffer.readableBytes)!)
        case .deleted:
            return .deleted(shards: Int(try need(buffer.readInteger(as: UInt32.self), "deleted count")))
        case .confirmed:
            let count = Int(try need(buffer.readInteger(as: UInt32.self), "confirmed count"))
            let hasPlacement = try need(buffer.readWireBool("placement flag"), "placement flag")
            let placement = hasPlacement ? try need(buffer.readPlacementRecord(), "placement record") : nil
            return .confirmed(shards: count, placement: placement)
        case .proof:
            let leafCount = try need(buffer.readInteger(as: UInt32.self), "leaf count")
            let path = try need(
                buffer.readWireArray(maxCount: maxPathLength, minElementByteCount: 32, "audit path") { $0.readKey256() },
                "audit path")
            return .proof(leaf: buffer.readSlice(length: buffer.readableBytes)!, leafCount: leafCount, path: path)
        case .holding:
            let count = Int(try need(buffer.readInteger(as: UInt16.self), "probe answer count"))
            guard count <= StorageRequest.maxProbedShards else {
                throw WireError.tooManyItems(count: count, max: StorageRequest.maxProbedShards, in: "probe answer")
            }
            let bytes = try need(buffer.readBytes(length: (count + 7) / 8), "probe answer flags")
            return .holding((0..<count).map { bytes[$0 / 8] & (1 << UInt8($0 % 8)) != 0 })
        case .located:
            var descriptor: ByteBuffer?
            if try need(buffer.readWireBool("descriptor flag"), "descriptor flag") {
                let length = Int(try need(buffer.readInteger(as: UInt32.self), "descriptor length"))
                guard length <= StorageRequest.maxBlobBytes else {
                    throw WireError.oversized(length: length, max: StorageRequest.maxBlobBytes, in: "descriptor")
                }
                descriptor = try need(buffer.readSlice(length: length), "descriptor")
            }
            let hasPlacement = try need(buffer.readWireBool("placement flag"), "placement flag")
            return .located(descriptor: descriptor,
                            placement: hasPlacement ? buffer.readSlice(length: buffer.readableBytes)! : nil)
        }
    }

    private static func readBlobKind(_ buffer: inout ByteBuffer) throws(WireError) -> BlobKind {
        let byte = try need(buffer.readInteger(as: UInt8.self), "blob kind")
        guard let kind = BlobKind(rawValue: byte) else { throw WireError.unknownTag(byte, in: "blob kind") }
        return kind
    }
}
