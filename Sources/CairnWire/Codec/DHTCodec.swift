import NIOCore

/// The DHT's requests and responses after the protocol tag (`WireCodec`, tag 1).
///
/// ```
/// request  := op u8 ‖ body
///   0 ping
///   1 findNode       target Key256
///   2 getPeerRecord  peer Key256
///   3 putPeerRecord  PeerRecord
///   4 getProviders   key Key256
///   5 addProvider    ProviderRecord
/// response := op u8 ‖ body
///   0 pong
///   1 nodes          peers (u16 count ≤ 64, PeerInfo*)
///   2 peerRecord     present u8 (0/1) ‖ PeerRecord if present ‖ closer peers (u16 count ≤ 64, PeerInfo*)
///   3 providers      records (u16 count ≤ 64, ProviderRecord*) ‖ closer peers (u16 count ≤ 64, PeerInfo*)
///   4 stored
///   5 refused        reason (u16 length ≤ 1024, UTF-8)
/// ```
/// Records and peers are laid out in `ByteBuffer+Records.swift`.
enum DHTCodec {
    enum RequestOp: UInt8 {
        case ping = 0
        case findNode = 1
        case getPeerRecord = 2
        case putPeerRecord = 3
        case getProviders = 4
        case addProvider = 5
    }

    enum ResponseOp: UInt8 {
        case pong = 0
        case nodes = 1
        case peerRecord = 2
        case providers = 3
        case stored = 4
        case refused = 5
    }

    enum AnnouncementOp: UInt8 {
        case leaving = 0
    }

    static func write(_ announcement: DHTAnnouncement, into buffer: inout ByteBuffer) {
        switch announcement {
        case .leaving: buffer.writeInteger(AnnouncementOp.leaving.rawValue)
        }
    }

    static func readAnnouncement(from buffer: inout ByteBuffer) throws(WireError) -> DHTAnnouncement {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "DHT announcement")
        guard let op = AnnouncementOp(rawValue: opByte) else {
            throw WireError.unknownTag(opByte, in: "DHT announcement")
        }
        switch op {
        case .leaving: return .leaving
        }
    }

    static func write(_ request: DHTRequest, into buffer: inout ByteBuffer) {
        switch request {
        case .ping:
            buffer.writeInteger(RequestOp.ping.rawValue)
        case .findNode(let target):
            buffer.writeInteger(RequestOp.findNode.rawValue)
            buffer.writeKey256(target)
        case .getPeerRecord(let peer):
            buffer.writeInteger(RequestOp.getPeerRecord.rawValue)
            buffer.writeKey256(peer)
        case .putPeerRecord(let record):
            buffer.writeInteger(RequestOp.putPeerRecord.rawValue)
            buffer.writePeerRecord(record)
        case .getProviders(let key):
            buffer.writeInteger(RequestOp.getProviders.rawValue)
            buffer.writeKey256(key)
        case .addProvider(let record):
            buffer.writeInteger(RequestOp.addProvider.rawValue)
            buffer.writeProviderRecord(record)
        }
    }

    static func readRequest(from buffer: inout ByteBuffer) throws(WireError) -> DHTRequest {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "DHT request operation")
        guard let op = RequestOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "DHT request") }
        switch op {
        case .ping:
            return .ping
        case .findNode:
            return .findNode(target: try need(buffer.readKey256(), "find-node target"))
        case .getPeerRecord:
            return .getPeerRecord(try need(buffer.readKey256(), "peer ID"))
        case .putPeerRecord:
            return .putPeerRecord(try need(buffer.readPeerRecord(), "peer record"))
        case .getProviders:
            return .getProviders(key: try need(buffer.readKey256(), "content key"))
        case .addProvider:
            return .addProvider(try need(buffer.readProviderRecord(), "provider record"))
        }
    }

    static func write(_ response: DHTResponse, into buffer: inout ByteBuffer) {
        switch response {
        case .pong:
            buffer.writeInteger(ResponseOp.pong.rawValue)
        case .nodes(let peers):
            buffer.writeInteger(ResponseOp.nodes.rawValue)
            buffer.writePeerInfos(peers)
        case .peerRecord(let record, let closer):
            buffer.writeInteger(ResponseOp.peerRecord.rawValue)
            buffer.writeWireBool(record != nil)
            if let record { buffer.writePeerRecord(record) }
            buffer.writePeerInfos(closer)
        case .providers(let records, let closer):
            buffer.writeInteger(ResponseOp.providers.rawValue)
            buffer.writeWireArray(records, maxCount: DHTRequest.maxRecordsPerResponse) { $0.writeProviderRecord($1) }
            buffer.writePeerInfos(closer)
        case .stored:
            buffer.writeInteger(ResponseOp.stored.rawValue)
        case .refused(let reason):
            buffer.writeInteger(ResponseOp.refused.rawValue)
            buffer.writeWireString(reason, maxLength: WireCodec.maxErrorMessageLength)
        }
    }

    static func readResponse(from buffer: inout ByteBuffer) throws(WireError) -> DHTResponse {
        let opByte = try need(buffer.readInteger(as: UInt8.self), "DHT response operation")
        guard let op = ResponseOp(rawValue: opByte) else { throw WireError.unknownTag(opByte, in: "DHT response") }
        switch op {
        case .pong:
            return .pong
        case .nodes:
            return .nodes(try need(buffer.readPeerInfos(), "peer list"))
        case .peerRecord:
            let present = try need(buffer.readWireBool("peer record flag"), "peer record flag")
            let record = present ? try need(buffer.readPeerRecord(), "peer record") : nil
            return .peerRecord(record, closer: try need(buffer.readPeerInfos(), "closer peers"))
        case .providers:
            let records = try need(
                buffer.readWireArray(
                    maxCount: DHTRequest.maxRecordsPerResponse,
                    minElementByteCount: ByteBuffer.minProviderRecordByteCount, "provider records"
                ) { buffer throws(WireError) in try buffer.readProviderRecord() },
                "provider records")
            return .providers(records, closer: try need(buffer.readPeerInfos(), "closer peers"))
        case .stored:
            return .stored
        case .refused:
            return .refused(
                try need(buffer.readWireString(maxLength: WireCodec.maxErrorMessageLength, "refusal"), "refusal"))
        }
    }
}
