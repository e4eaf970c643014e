@testable import CairnSim
import Testing

@Suite struct EventQueueTests {
    @Test func popsByTimeThenByInsertionOrder() {
        var queue = EventQueue<String>()
        queue.push("c", at: 30)
        queue.push("a1", at: 10)
        queue.push("b", at: 20)
        queue.push("a2", at: 10)
        queue.push("a3", at: 10)
        var order: [String] = []
        while let (_, event) = queue.pop() { order.append(event) }
        #expect(order == ["a1", "a2", "a3", "b", "c"])
        #expect(queue.isEmpty)
    }

    @Test func matchesASortedReferenceUnderRandomLoad() {
        var queue = EventQueue<Int>()
        var reference: [(time: Int64, sequence: Int)] = []
        var random = SimRandom(seed: 5)
        var popped: [Int] = []
        var expected: [Int] = []
        var sequence = 0
        for _ in 0..<2_000 {
            if random.nextInt(below: 3) > 0 {
                let time = Int64(random.nextInt(below: 50))
                queue.push(sequence, at: time)
                reference.append((time, sequence))
                sequence += 1
            } else if let (_, event) = queue.pop() {
                popped.append(event)
                let next = reference.indices.min { (reference[$0].time, reference[$0].sequence)
                    < (reference[$1].time, reference[$1].sequence) }!
                expected.append(reference.remove(at: next).sequence)
            }
        }
        #expect(popped == expected)
        #expect(queue.count == reference.count)
    }

    @Test func percentilesAreNearestRank() {
        #expect(Percentile.nearestRank(0.5, of: [1, 2, 3, 4]) == 2)
        #expect(Percentile.nearestRank(0.95, of: Array(1...100)) == 95)
        #expect(Percentile.nearestRank(0.5, of: [Int]()) == 0)
        #expect(Percentile.nearestRank(1, of: [3.5]) == 3.5)
    }
}
