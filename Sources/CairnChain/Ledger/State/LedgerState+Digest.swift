import CairnCrypto
import NIOCore

extension LedgerState {
    /// SHA-256 of `canonicalEncoding`: equal digests mean byte-for-byte equal states, so peers (and tests) can
    /// compare whole states by 32 bytes. Costs a sort of the accounts: once per block, not per transaction.
    public var digest: Key256 {
        let buffer = canonicalEncoding
        return buffer.withUnsafeReadableBytes { SHA256.hash(buffer: $0) }
    }

    /// The state as bytes in one order (big-endian integers):
    ///
    ///   u8 version (1) | u64 height | 32 last block hash | u64 last block time | u64 total supply
    ///   u32 n | n × (32 key | u64 balance | u64 next nonce | u64 stake | u8 faucet used (0/1) | u64 last use)
    ///          accounts by key bytes, ascending, entries equal to an empty account left out
    ///   u32 n | n × (u64 maturity | 32 key | u64 amount)   by maturity, then in application order
    ///   u32 n | n × (u16 kind | u64 amount)                escrow by kind, zero amounts left out
    ///   u32 n | n × (u16 kind | u32 length | bytes)        extension states by kind
    public var canonicalEncoding: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(1 as UInt8)
        buffer.writeInteger(height)
        buffer.writeKey256(lastBlockHash)
        buffer.writeMultipleIntegers(lastBlockTimeMs, totalSupply.baseUnits)

        let entries = accounts.filter { $0.value != .empty }.sorted { $0.key.precedes($1.key) }
        buffer.writeInteger(UInt32(entries.count))
        for (key, entry) in entries {
            buffer.writePublicKey(key)
            buffer.writeMultipleIntegers(entry.balance.baseUnits, entry.nextNonce, entry.stake.baseUnits)
            buffer.writeInteger(entry.faucetLastUse == nil ? 0 as UInt8 : 1)
            buffer.writeInteger(entry.faucetLastUse ?? 0)
        }

        let due = unbondings.sorted { $0.key < $1.key }.flatMap(\.value)
        buffer.writeInteger(UInt32(due.count))
        for unbonding in due {
            buffer.writeInteger(unbonding.maturity)
            buffer.writePublicKey(unbonding.account)
            buffer.writeInteger(unbonding.amount.baseUnits)
        }

        let held = escrow.filter { $0.value != .zero }.sorted { $0.key < $1.key }
        buffer.writeInteger(UInt32(held.count))
        for (kind, amount) in held { buffer.writeMultipleIntegers(kind, amount.baseUnits) }

        let states = extensionStates.byKind.sorted { $0.key < $1.key }
        buffer.writeInteger(UInt32(states.count))
        for (kind, state) in states {
            buffer.writeInteger(kind)
            buffer.writeWireBytes(state.canonicalBytes)
        }
        return buffer
    }
}
