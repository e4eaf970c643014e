@testable import CairnAPI
import NIOCore
import Testing

@Suite struct APIConnectionTableTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func at(_ seconds: Double) -> NIODeadline { t0 + .nanoseconds(Int64(seconds * 1e9)) }

    @Test func admitsUpToCapacityThenReplacesTheLongestWaiting() {
        var table = APIConnectionTable<String>(capacity: 2, grace: .seconds(1))
        #expect(table.open("a", now: at(0)) == .admit)
        #expect(table.open("b", now: at(0.1)) == .admit)
        // Nobody has had its grace yet: the newcomer is refused.
        #expect(table.open("c", now: at(0.5)) == .refuse)
        #expect(table.count == 2)
        #expect(table.open("c", now: at(2)) == .admitReplacing("a"))
        #expect(table.count == 2)
    }

    @Test func aConnectionWithARequestInFlightIsNeverReplaced() {
        var table = APIConnectionTable<String>(capacity: 2, grace: .seconds(1))
        _ = table.open("upload", now: at(0))
        _ = table.open("idle", now: at(1))
        table.requestStarted("upload")
        #expect(table.open("new", now: at(5)) == .admitReplacing("idle"))
        table.requestStarted("new")
        #expect(table.open("late", now: at(10)) == .refuse)
        // Once its response is sent the connection waits again, from then on.
        table.requestFinished("upload", now: at(10))
        #expect(table.open("late", now: at(10.5)) == .refuse)
        #expect(table.open("late", now: at(11)) == .admitReplacing("upload"))
    }

    @Test func pipelinedRequestsAreCountedAndClosingFreesAPlace() {
        var table = APIConnectionTable<Int>(capacity: 1, grace: .seconds(1))
        _ = table.open(1, now: at(0))
        table.requestStarted(1)
        table.requestStarted(1)
        table.requestFinished(1, now: at(1))
        #expect(table.open(2, now: at(5)) == .refuse)
        table.requestFinished(1, now: at(5))
        #expect(table.open(2, now: at(7)) == .admitReplacing(1))
        table.closed(2)
        #expect(table.count == 0)
        #expect(table.open(3, now: at(7)) == .admit)
        // Unknown identifiers change nothing.
        table.requestStarted(99)
        table.requestFinished(99, now: at(8))
        table.closed(99)
        #expect(table.count == 1)
    }
}
