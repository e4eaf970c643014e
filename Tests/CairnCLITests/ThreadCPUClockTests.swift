import Foundation
import Testing

@testable import cairn

@Suite struct ThreadCPUClockTests {
    @Test func countsWorkButNotWaiting() {
        let clock = ThreadCPUClock()
        let waiting = clock.measure { Thread.sleep(forTimeInterval: 0.2) }
        #expect(waiting < .milliseconds(50), "a sleeping thread uses no CPU: \(waiting)")
        var sum: UInt64 = 0
        let working = clock.measure {
            for i in 0..<20_000_000 { sum = sum &+ UInt64(i) &* 2_654_435_761 }
        }
        #expect(sum != 0)
        #expect(working > .zero)
    }
}
