import CairnCrypto
import CairnWire
import NIOCore

// Shared readers for the consensus encodings. As everywhere in Cairn (CairnWire's `ByteBuffer+Wire.swift`):
// big-endian, `read…` returns nil on short input and rewinds, throws `WireError` on bytes that make no value.

extension ByteBuffer {
    /// A flag byte (0 or 1) then, when 1, a 32-byte hash.
    mutating func readOptionalKey256(_ what: @autoclosure () -> String) throws(WireError) -> Key256?? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> Key256?? in
            guard let present = try buffer.readWireBool(what()) else { return nil }
            guard present else { return .some(nil) }
            guard let key = buffer.readKey256() else { return nil }
            return .some(key)
        }
    }

    mutating func writeOptionalKey256(_ key: Key256?) {
        writeWireBool(key != nil)
        if let key { writeKey256(key) }
    }

    /// A flag byte (0 or 1) then, when 1, a u32 round.
    mutating func readOptionalRound(_ what: @autoclosure () -> String) throws(WireError) -> Round?? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> Round?? in
            guard let present = try buffer.readWireBool(what()) else { return nil }
            guard present else { return .some(nil) }
            guard let round = buffer.readInteger(as: Round.self) else { return nil }
            return .some(round)
        }
    }

    mutating func writeOptionalRound(_ round: Round?) {
        writeWireBool(round != nil)
        if let round { writeInteger(round) }
    }

    mutating func readChainID() -> ChainID? { readKey256().map(ChainID.init) }

    mutating func writeChainID(_ chainID: ChainID) { writeKey256(chainID.hash) }
}

extension Array where Element == UInt8 {
    /// The bytes `write` puts into a fresh buffer: signing bytes and hashes are computed from these.
    static func encoding(capacity: Int, _ write: (inout ByteBuffer) -> Void) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        write(&buffer)
        return Array(buffer.readableBytesView)
    }
}
