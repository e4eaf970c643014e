import CairnCrypto
import NIOCore

/// Why a commit does not prove its block final.
public enum CommitError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownValidator(index: UInt16, validators: Int)
    case duplicateSigner(index: UInt16)
    case badSignature(index: UInt16)
    case notEnoughPower(signed: UInt64, total: UInt64, needed: UInt64)

    public var description: String {
        switch self {
        case .unknownValidator(let index, let count):
            "the commit names validator \(index), but the set has \(count) validators (0–\(count - 1))"
        case .duplicateSigner(let index):
            "validator \(index) appears twice in the commit"
        case .badSignature(let index):
            "validator \(index)'s signature is not a precommit for this block on this chain, height and round"
        case .notEnoughPower(let signed, let total, let needed):
            "power \(signed) of \(total) signed, needs > \(needed - 1)"
        }
    }
}

extension Commit {
    /// Checks that every signature is a valid precommit for `blockHash` at this height and round on `chainID`
    /// by the validator it names in `validators` (the set of this commit's height), that no validator appears
    /// twice, and that the signers hold more than 2/3 of the total power. Throws the first problem found.
    ///
    /// The signing bytes name no signer, so they are built once for all the signatures. Under the simulator
    /// (`SignatureMemo` on), a commit that verified once against the same members verifies again from the memo:
    /// a thousand simulated followers check the same hundred commits.
    /// `encoded`: this commit's bytes, when the caller has them (the memo's key hashes them).
    public func verify(chainID: ChainID, validators: ValidatorSet, encoded: ByteBuffer? = nil) throws(CommitError) {
        let memoKey = SignatureMemo.isEnabled
            ? memoKey(chainID: chainID, validators: validators, encoded: encoded) : nil
        if let memoKey, SignatureMemo.knownValid(memoKey) { return }
        let message = precommit(chainID: chainID, by: validators[0].publicKey).signingBytes
        var seen = Set<UInt16>()
        var power: UInt64 = 0
        for entry in signatures {
            let index = entry.validatorIndex
            guard Int(index) < validators.count else {
                throw .unknownValidator(index: index, validators: validators.count)
            }
            guard seen.insert(index).inserted else { throw .duplicateSigner(index: index) }
            let validator = validators[Int(index)]
            guard validator.publicKey.verify(signature: entry.signature, message: message) else {
                throw .badSignature(index: index)
            }
            power += validator.power
        }
        guard power >= validators.quorum else {
            throw .notEnoughPower(signed: power, total: validators.totalPower, needed: validators.quorum)
        }
        if let memoKey { SignatureMemo.rememberValid(memoKey) }
    }

    /// What a verification depends on: the chain, the set's members and powers, and every byte of the commit,
    /// as one SHA-256. Kept whole, a simulated run's hundred distinct 6 KB commits a height held half a
    /// gigabyte; the digest costs about 4 µs per check.
    private func memoKey(chainID: ChainID, validators: ValidatorSet, encoded: ByteBuffer?) -> SignatureMemoKey {
        var buffer = ByteBuffer()
        buffer.writeBytes(Self.memoTag)
        buffer.writeChainID(chainID)
        buffer.writeKey256(validators.membershipDigest)
        if var encoded {
            buffer.writeBuffer(&encoded)
        } else {
            buffer.writeCommit(self)
        }
        return SignatureMemoKey([], buffer.withUnsafeReadableBytes { SHA256.hash(buffer: $0) }.bytes)
    }

    private static let memoTag = Array("cairn-commit-memo-v2".utf8)
}
