@testable import CairnCrypto
import Testing

struct SignatureMemoTests {
    let identity = Identity.generate()
    let message = Array("prevote for block 7 at height 12".utf8)

    /// Runs `PublicKey.verify`'s path through `table`, counting the real verifications.
    func verify(_ table: SignatureMemoTable, signature: [UInt8], message: [UInt8], calls: inout Int) -> Bool {
        let key = identity.publicKey
        return table.verify(key: key.bytes, signature: signature, message: message) {
            calls += 1
            return key.verifyWithoutMemo(signature: signature, message: message)
        }
    }

    /// A table, on, that has verified `identity`'s signature of `message` once (counted in `calls`).
    func rememberingTable(calls: inout Int) -> (SignatureMemoTable, signature: [UInt8]) {
        let table = SignatureMemoTable(capacity: 16)
        table.enable()
        let signature = identity.sign(message)
        #expect(verify(table, signature: signature, message: message, calls: &calls))
        return (table, signature)
    }

    @Test func aRememberedSignatureIsNotVerifiedAgain() {
        var calls = 0
        let (table, signature) = rememberingTable(calls: &calls)
        #expect(verify(table, signature: signature, message: message, calls: &calls))
        #expect(calls == 1)
        #expect(table.counts.hits == 1 && table.counts.misses == 1)
    }

    @Test func aForgedSignatureIsRefusedAfterTheGenuineOneWasRemembered() {
        var calls = 0
        let (table, signature) = rememberingTable(calls: &calls)

        // The hash looks only at the signature's last 16 bytes: an alteration outside them shares the bucket.
        var forged = signature
        forged[0] ^= 1
        var otherMessage = message
        otherMessage[0] ^= 1
        for _ in 0..<2 {
            #expect(!verify(table, signature: forged, message: message, calls: &calls))
            #expect(!verify(table, signature: signature, message: otherMessage, calls: &calls))
        }
        // Failures are never remembered: each was verified, and refused, every time.
        #expect(calls == 5)
    }

    @Test func anotherKeyDoesNotShareTheMemo() {
        var calls = 0
        let (table, signature) = rememberingTable(calls: &calls)
        let other = Identity.generate().publicKey
        let accepted = table.verify(key: other.bytes, signature: signature, message: message) {
            other.verifyWithoutMemo(signature: signature, message: message)
        }
        #expect(!accepted)
    }

    @Test func offItVerifiesEveryTimeAndRemembersNothing() {
        let table = SignatureMemoTable(capacity: 16)
        let signature = identity.sign(message)
        var calls = 0
        #expect(verify(table, signature: signature, message: message, calls: &calls))
        #expect(verify(table, signature: signature, message: message, calls: &calls))
        #expect(calls == 2)
        table.rememberValid(SignatureMemoKey([1], [2]))
        #expect(!table.knownValid(SignatureMemoKey([1], [2])))
    }

    @Test func compositeKeysMatchOnlyWhole() {
        let table = SignatureMemoTable(capacity: 16)
        table.enable()
        let commit = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        table.rememberValid(SignatureMemoKey([9, 9], commit))
        #expect(table.knownValid(SignatureMemoKey([9, 9], commit)))
        var altered = commit
        altered[3] ^= 0x80
        #expect(!table.knownValid(SignatureMemoKey([9, 9], altered)))
        #expect(!table.knownValid(SignatureMemoKey([9, 8], commit)))
        #expect(!table.knownValid(SignatureMemoKey([9, 9], commit, [1])))
    }

    @Test func aFullGenerationMakesRoomByDroppingTheOldest() {
        let table = SignatureMemoTable(capacity: 2)
        table.enable()
        let keys = (0..<5).map { SignatureMemoKey([], [UInt8($0)]) }
        for key in keys { table.rememberValid(key) }
        // Generations of 2: {0, 1} was dropped when {2, 3} filled and 4 came.
        #expect(!table.knownValid(keys[0]) && !table.knownValid(keys[1]))
        #expect(keys[2...].allSatisfy { table.knownValid($0) })
    }
}

/// The process-wide memo, as the simulator turns it on (other tests may have turned it on already).
struct ProcessSignatureMemoTests {
    @Test func aForgeryIsRefusedThroughPublicKeyVerify() {
        SignatureMemo.enable()
        let identity = Identity.generate()
        let message = Array("precommit".utf8)
        let signature = identity.sign(message)
        #expect(identity.publicKey.verify(signature: signature, message: message))
        #expect(identity.publicKey.verify(signature: signature, message: message))
        var forged = signature
        forged[63] ^= 1
        #expect(!identity.publicKey.verify(signature: forged, message: message))
        #expect(!identity.publicKey.verify(signature: Array(signature.prefix(63)), message: message))
    }
}
