import CairnChain
import CairnPeer
@testable import CairnSim
import Testing

@Suite struct TimerQueueTests {
    func key(_ node: Int32, _ timer: PeerTimer) -> TimerQueue.Key { .init(node: node, timer: timer) }

    @Test func firesAcrossLanesByTimeThenSequence() {
        var queue = TimerQueue()
        let laned = [
            queue.arm(key(1, .maintenance), at: 10_000, now: 0, sequence: 1),
            queue.arm(key(2, .requestTimeout(OutboundID(rawValue: 1))), at: 5_000, now: 0, sequence: 2),
            queue.arm(key(3, .requestTimeout(OutboundID(rawValue: 1))), at: 10_000, now: 5_000, sequence: 3),
            queue.arm(key(4, .maintenance), at: 10_000, now: 0, sequence: 4),
        ]
        #expect(laned == [true, true, true, true])
        var order: [Int32] = []
        while let firing = queue.pop() {
            let live = queue.takeIfLive(firing)
            #expect(live)
            order.append(firing.key.node)
        }
        #expect(order == [2, 1, 3, 4])
        #expect(queue.count == 0)
    }

    @Test func cancelledAndReplacedArmingsDoNotFire() {
        var queue = TimerQueue()
        let request = key(1, .requestTimeout(OutboundID(rawValue: 7)))
        _ = queue.arm(request, at: 5, now: 0, sequence: 1)
        _ = queue.arm(key(1, .maintenance), at: 10, now: 0, sequence: 2)
        queue.cancel(request)
        // Re-armed later: only the second arming fires.
        _ = queue.arm(key(1, .maintenance), at: 13, now: 3, sequence: 3)
        var fired: [(TimerQueue.Key, Int64)] = []
        while let firing = queue.pop() {
            if queue.takeIfLive(firing) { fired.append((firing.key, firing.time)) }
        }
        #expect(fired.count == 1)
        #expect(fired.first?.0 == key(1, .maintenance) && fired.first?.1 == 13)
    }

    @Test func aDelayBeyondTheLaneLimitGoesToTheHeap() {
        var queue = TimerQueue()
        for delay in 0..<TimerQueue.fallbackLaneLimit {
            let laned = queue.arm(key(Int32(delay), .rejoin), at: Int64(delay), now: 0, sequence: UInt64(delay))
            #expect(laned)
        }
        let laned = queue.arm(key(99, .rejoin), at: 1_000, now: 0, sequence: 100)
        #expect(!laned)
        // Armed all the same: its heap firing is live.
        let live = queue.takeIfLive(TimerQueue.Firing(time: 1_000, sequence: 100, code: key(99, .rejoin).code))
        #expect(live)
    }
}

@Suite struct ArmedTimersTests {
    @Test func matchesADictionaryUnderRandomLoad() {
        var table = ArmedTimers()
        var reference: [UInt64: UInt64] = [:]
        var random = SimRandom(seed: 11)
        for step in 0..<20_000 {
            // Few distinct keys, so that runs collide, wrap and get shifted back.
            let key = UInt64(random.nextInt(below: 3_000)) << 40 | UInt64(random.nextInt(below: 4))
            switch random.nextInt(below: 3) {
            case 0, 1:
                table.set(key, to: UInt64(step))
                reference[key] = UInt64(step)
            default:
                #expect(table.remove(key) == reference.removeValue(forKey: key))
            }
        }
        #expect(table.count == reference.count)
        for (key, value) in reference { #expect(table[key] == value) }
    }

    @Test func keysRoundTripThroughTheirCode() {
        let keys: [TimerQueue.Key] = [
            .init(node: 0, timer: .requestTimeout(OutboundID(rawValue: 1))),
            .init(node: Int32(PeerSimulator.maxPeers - 1), timer: .requestTimeout(OutboundID(rawValue: 1 << 42 - 1))),
            .init(node: 7, timer: .maintenance), .init(node: 7, timer: .rejoin), .init(node: 7, timer: .persistContacts),
            .init(node: 7, timer: .reclaimPending),
            // Owner timer m is kept as m + 1 next to kind 3's two fixed timers, below the chain's bit 41.
            .init(node: 7, timer: .owner(1)), .init(node: 9, timer: .owner(1 << 41 - 2)),
            .init(node: 7, timer: .chain(.regossip)), .init(node: 7, timer: .chain(.status)),
            .init(node: 7, timer: .chain(.nextHeight(1 << 39 - 1))),
            .init(node: 7, timer: .chain(.consensus(ConsensusTimeout(height: 1 << 30 - 1, round: 127, step: .precommit)))),
            .init(node: 8, timer: .chain(.consensus(ConsensusTimeout(height: 5, round: 0, step: .propose)))),
        ]
        for key in keys { #expect(TimerQueue.Key(code: key.code) == key) }
        #expect(Set(keys.map(\.code)).count == keys.count)
    }
}
