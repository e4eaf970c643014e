import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct ValidatorSetTests {
    let ids = Fixture.identities(5)

    @Test(arguments: [(UInt64(12), UInt64(9), UInt64(5)), (4, 3, 2), (3, 3, 2), (1, 1, 1), (100, 67, 34), (9, 7, 4)])
    func thresholds(total: UInt64, quorum: UInt64, oneThird: UInt64) throws {
        let set = try ValidatorSet([(ids[0].publicKey, total)])
        #expect(set.quorum == quorum)
        #expect(set.oneThirdPlus == oneThird)
        // The quorum is the smallest power strictly above 2/3.
        #expect(3 * set.quorum > 2 * total && 3 * (set.quorum - 1) <= 2 * total)
    }

    @Test func refusesBadLists() {
        #expect(throws: ValidatorSetError.empty) { try ValidatorSet([]) }
        #expect(throws: ValidatorSetError.zeroPower(validatorIndex: 1)) {
            try ValidatorSet([(ids[0].publicKey, 1), (ids[1].publicKey, 0)])
        }
        #expect(throws: ValidatorSetError.self) {
            try ValidatorSet([(ids[0].publicKey, 1), (ids[0].publicKey, 2)])
        }
        #expect(throws: ValidatorSetError.self) {
            try ValidatorSet([(ids[0].publicKey, UInt64.max), (ids[1].publicKey, 2)])
        }
    }

    @Test func sortedByPowerThenAddressWhateverTheInputOrder() throws {
        let entries = zip(ids.map(\.publicKey), [3, 7, 3, 1, 7] as [UInt64]).map { ($0, $1) }
        let a = try ValidatorSet(entries)
        let b = try ValidatorSet(entries.reversed())
        #expect(a == b && a.hash == b.hash)
        #expect(a.validators.map(\.power) == [7, 7, 3, 3, 1])
        #expect(a[0].address < a[1].address && a[2].address < a[3].address)
        for (index, validator) in a.validators.enumerated() { #expect(a.index(of: validator.publicKey) == index) }
        #expect(a.index(of: Fixture.identity(50).publicKey) == nil)
        #expect(a.totalPower == 21)
    }

    /// Over total-power many heights each validator proposes power many times, within one at every prefix.
    @Test func proposerCountsAreProportionalToPower() throws {
        let powers: [UInt64] = [1, 2, 3, 4, 10]
        var set = Fixture.set(ids, powers: powers)
        let total = set.totalPower
        var counts: [PublicKey: UInt64] = [:]
        for height in 1...(40 * total) {
            counts[set.proposer(forRound: 0).publicKey, default: 0] += 1
            for validator in set.validators {
                let expected = Double(height) * Double(validator.power) / Double(total)
                #expect(abs(Double(counts[validator.publicKey] ?? 0) - expected) <= 1.0)
            }
            set = set.advanced(byHeights: 1)
        }
        for (key, power) in zip(ids.map(\.publicKey), powers) { #expect(counts[key] == 40 * power) }
    }

    @Test func scheduleIsIdenticalForIndependentlyBuiltSets() throws {
        let entries = zip(ids.map(\.publicKey), [5, 1, 1, 8, 2] as [UInt64]).map { ($0, $1) }
        var a = try ValidatorSet(entries)
        var b = try ValidatorSet(entries.shuffled())
        for _ in 0..<200 {
            for round: Round in [0, 1, 2, 7] { #expect(a.proposer(forRound: round) == b.proposer(forRound: round)) }
            #expect(a.hash == b.hash)
            a = a.advanced(byHeights: 1)
            b = b.advanced(byHeights: 1)
        }
        #expect(a == Fixture.set(ids, powers: [5, 1, 1, 8, 2]).advanced(byHeights: 200))
    }

    @Test func roundsWalkTheSameScheduleAsHeights() {
        let set = Fixture.set(ids, powers: [4, 1, 1, 2, 3])
        for round: Round in 0..<30 {
            #expect(set.proposer(forRound: round) == set.advanced(byHeights: UInt64(round)).proposer(forRound: 0))
        }
    }

    @Test func prioritiesStayBounded() {
        var set = Fixture.set(ids, powers: [1, 1, 1, 1, 1_000_000])
        for _ in 0..<500 {
            set = set.advanced(byHeights: 1)
            let spread = set.priorities.max()! - set.priorities.min()!
            #expect(spread <= 2 * Int64(set.totalPower) + Int64(set.totalPower))
        }
    }

    @Test func encodingRoundTripsWithPriorities() throws {
        let set = Fixture.set(ids, powers: [9, 1, 4, 4, 2]).advanced(byHeights: 13)
        var buffer = ByteBuffer()
        #expect(buffer.writeValidatorSet(set) == 2 + 48 * 5)
        let read = try #require(try buffer.readValidatorSet())
        #expect(read == set && read.hash == set.hash && read.priorities == set.priorities)
        #expect(read.proposer(forRound: 3) == set.proposer(forRound: 3))
        #expect(set.hash != set.advanced(byHeights: 1).hash)
    }

    @Test func decodingRefusesANonCanonicalOrder() throws {
        let set = Fixture.set(Array(ids.prefix(2)), powers: [3, 1])
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(2))
        for index in [1, 0] {
            buffer.writePublicKey(set[index].publicKey)
            buffer.writeInteger(set[index].power)
            buffer.writeInteger(Int64(0))
        }
        #expect(throws: WireError.self) { try buffer.readValidatorSet() }
        #expect(buffer.readerIndex == 0)
    }
}

@Suite struct ValidatorSetUpdateTests {
    let ids = Fixture.identities(5)

    @Test func updatesKeepPrioritiesAndQueueNewcomersLast() throws {
        let set = Fixture.set(Array(ids.prefix(3)), powers: [3, 2, 1]).advanced(byHeights: 4)
        let next = try set.updated(with: [(ids[1].publicKey, 0), (ids[2].publicKey, 5), (ids[3].publicKey, 2)])
        #expect(next.count == 3 && next.totalPower == 10)
        #expect(!next.contains(ids[1].publicKey))
        let kept = try #require(next.index(of: ids[0].publicKey))
        #expect(next.priorities[kept] == set.priorities[set.index(of: ids[0].publicKey)!])
        let changed = try #require(next.index(of: ids[2].publicKey))
        #expect(next[changed].power == 5)
        #expect(next.priorities[changed] == set.priorities[set.index(of: ids[2].publicKey)!])
        let newcomer = try #require(next.index(of: ids[3].publicKey))
        #expect(next.priorities[newcomer] == -11)  // −1.125 × 10, toward zero
        #expect(next.proposer(forRound: 0).publicKey != ids[3].publicKey)
    }

    @Test func updateThatEmptiesTheSetIsRefused() {
        let set = Fixture.set(Array(ids.prefix(1)))
        #expect(throws: ValidatorSetError.empty) { try set.updated(with: [(ids[0].publicKey, 0)]) }
    }

    @Test func updatesAreTheSameWhateverTheirOrder() throws {
        let set = Fixture.set(ids, powers: [1, 2, 3, 4, 5]).advanced(byHeights: 7)
        let changes: [(PublicKey, UInt64)] = [
            (ids[0].publicKey, 9), (Fixture.identity(8).publicKey, 3),
            (ids[4].publicKey, 0),
        ]
        #expect(try set.updated(with: changes) == set.updated(with: changes.reversed()))
    }
}
