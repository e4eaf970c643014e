import CairnCrypto
import CairnWire
import NIOCore

// The canonical transaction encoding (big-endian, fixed-width integers):
//
//   u8 version (1) | 32 chain ID | 32 sender | u64 nonce | u64 fee | u8 kind tag | kind fields
//   kind tags: 1 transfer (32 to, u64 amount) · 2 bond (u64 amount) · 3 unbond (u64 amount) · 4 faucet ()
//              5 extension (u16 kind, u32 length, payload)
//   signed: the unsigned encoding, then the 64-byte signature.
//
// Every field has one encoding, so decode(encode(x)) == x and encode(decode(b)) == b: the hash of the bytes
// received is the hash of the transaction.

extension ByteBuffer {
    static let transactionVersion: UInt8 = 1

    /// Writes the unsigned transaction.
    @discardableResult
    public mutating func writeTransaction(_ tx: Transaction) -> Int {
        let start = writerIndex
        writeInteger(ByteBuffer.transactionVersion)
        writeKey256(tx.chainID.hash)
        writePublicKey(tx.sender)
        writeMultipleIntegers(tx.nonce, tx.fee.baseUnits)
        switch tx.kind {
        case .transfer(let to, let amount):
            writeInteger(1 as UInt8)
            writePublicKey(to)
            writeInteger(amount.baseUnits)
        case .bond(let amount):
            writeInteger(2 as UInt8)
            writeInteger(amount.baseUnits)
        case .unbond(let amount):
            writeInteger(3 as UInt8)
            writeInteger(amount.baseUnits)
        case .faucet:
            writeInteger(4 as UInt8)
        case .extension(let kind, let payload):
            writeInteger(5 as UInt8)
            writeInteger(kind)
            writeWireBytes(payload.prefix(SignedTransaction.maxEncodedBytes))
        }
        return writerIndex - start
    }

    /// Reads an unsigned transaction: nil (reader index unchanged) on short input, `WireError` on bytes that
    /// are no transaction (unknown version or kind tag, oversized payload).
    public mutating func readTransaction() throws(WireError) -> Transaction? {
        try unwindingOnFailure { buffer throws(WireError) -> Transaction? in
            guard let version = buffer.readInteger(as: UInt8.self) else { return nil }
            guard version == ByteBuffer.transactionVersion else {
                throw .invalidValue("version \(version) is not 1", in: "transaction")
            }
            guard let chain = buffer.readKey256(), let sender = buffer.readPublicKey(),
                let nonce = buffer.readInteger(as: UInt64.self), let fee = buffer.readInteger(as: UInt64.self),
                let tag = buffer.readInteger(as: UInt8.self)
            else { return nil }
            let kind: TransactionKind
            switch tag {
            case 1:
                guard let to = buffer.readPublicKey(), let amount = buffer.readInteger(as: UInt64.self) else {
                    return nil
                }
                kind = .transfer(to: to, amount: Amount(amount))
            case 2:
                guard let amount = buffer.readInteger(as: UInt64.self) else { return nil }
                kind = .bond(amount: Amount(amount))
            case 3:
                guard let amount = buffer.readInteger(as: UInt64.self) else { return nil }
                kind = .unbond(amount: Amount(amount))
            case 4:
                kind = .faucet
            case 5:
                guard let code = buffer.readInteger(as: UInt16.self),
                    let payload = try buffer.readWireBytes(
                        maxLength: SignedTransaction.maxEncodedBytes, "extension transaction payload")
                else { return nil }
                kind = .extension(kind: code, payload: payload)
            default:
                throw .unknownTag(tag, in: "transaction kind")
            }
            return Transaction(chainID: ChainID(chain), sender: sender, nonce: nonce, fee: Amount(fee), kind: kind)
        }
    }

    /// Writes the signed encoding.
    @discardableResult
    public mutating func writeSignedTransaction(_ tx: SignedTransaction) -> Int {
        writeBytes(tx.encoded)
    }

    /// Reads a signed transaction, keeping the bytes read as its encoding (no re-encoding). Nil on short input;
    /// throws as `readTransaction` does, and `oversized` past `SignedTransaction.maxEncodedBytes`.
    public mutating func readSignedTransaction() throws(WireError) -> SignedTransaction? {
        try unwindingOnFailure { buffer throws(WireError) -> SignedTransaction? in
            let start = buffer.readerIndex
            guard let tx = try buffer.readTransaction() else { return nil }
            let unsignedLength = buffer.readerIndex - start
            guard unsignedLength + PublicKey.signatureByteCount <= SignedTransaction.maxEncodedBytes else {
                throw .oversized(
                    length: unsignedLength + PublicKey.signatureByteCount, max: SignedTransaction.maxEncodedBytes,
                    in: "transaction")
            }
            guard buffer.readableBytes >= PublicKey.signatureByteCount else { return nil }
            // NIO's get… only reaches readable bytes: step back over the transaction to take its bytes.
            buffer.moveReaderIndex(to: start)
            guard let unsigned = buffer.readBytes(length: unsignedLength), let signature = buffer.readSignature()
            else { return nil }
            return SignedTransaction(tx, unsignedEncoding: unsigned, signature: signature)
        }
    }

    /// Runs `body`; when it returns nil or throws, puts the reader index back (NIO's convention).
    mutating func unwindingOnFailure<T>(_ body: (inout ByteBuffer) throws(WireError) -> T?) throws(WireError) -> T? {
        let saved = readerIndex
        do {
            guard let value = try body(&self) else {
                moveReaderIndex(to: saved)
                return nil
            }
            return value
        } catch {
            moveReaderIndex(to: saved)
            throw error
        }
    }
}

extension SignedTransaction {
    /// Decodes exactly one signed transaction from `bytes`: throws `truncated` when they end early and
    /// `trailingBytes` when more follow; never traps, whatever the bytes.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= SignedTransaction.maxEncodedBytes else {
            throw .oversized(length: bytes.count, max: SignedTransaction.maxEncodedBytes, in: "transaction")
        }
        var buffer = ByteBuffer(bytes: bytes)
        guard let tx = try buffer.readSignedTransaction() else { throw .truncated(reading: "transaction") }
        guard buffer.readableBytes == 0 else { throw .trailingBytes(buffer.readableBytes) }
        self = tx
    }
}
