import Testing

@testable import CairnNet

struct PendingHandshakesTests {
    @Test func oneAddressGetsNoMoreThanItsShare() {
        var pending = PendingHandshakes<Int>(maxTotal: 64, maxPerAddress: 8)
        let firstEight = (0..<8).map { pending.admit($0, from: "192.0.2.1") }
        let ninth = pending.admit(8, from: "192.0.2.1")
        let otherAddress = pending.admit(9, from: "192.0.2.2")
        #expect(firstEight.allSatisfy { $0 })
        #expect(!ninth)
        #expect(otherAddress, "another address still gets in")
        #expect(pending.count(from: "192.0.2.1") == 8)
        #expect(pending.count == 9)
    }

    @Test func allAddressesTogetherGetNoMoreThanTheTotal() {
        var pending = PendingHandshakes<Int>(maxTotal: 64, maxPerAddress: 8)
        let admitted = (0..<64).map { pending.admit($0, from: "198.51.100.\($0 / 8)") }
        let fresh = pending.admit(64, from: "203.0.113.9")
        #expect(admitted.allSatisfy { $0 })
        #expect(!fresh, "a fresh address is refused once the total is reached")
        #expect(pending.count == 64)
    }

    @Test func releaseFreesTheSlotOnce() {
        var pending = PendingHandshakes<Int>(maxTotal: 2, maxPerAddress: 1)
        let first = pending.admit(1, from: "a")
        let second = pending.admit(2, from: "a")
        #expect(first && !second)
        pending.release(1)
        pending.release(1)  // handshake completed, then the connection closed: the second does nothing
        pending.release(42)  // never admitted
        #expect(pending.count == 0)
        #expect(pending.count(from: "a") == 0)
        let afterRelease = [pending.admit(2, from: "a"), pending.admit(3, from: "b"), pending.admit(4, from: "c")]
        #expect(afterRelease == [true, true, false])
    }

    @Test func admittingTheSameConnectionTwiceTakesOneSlot() {
        var pending = PendingHandshakes<Int>(maxTotal: 1, maxPerAddress: 1)
        let twice = [pending.admit(7, from: "a"), pending.admit(7, from: "a")]
        #expect(twice == [true, true])
        #expect(pending.count == 1)
    }
}
