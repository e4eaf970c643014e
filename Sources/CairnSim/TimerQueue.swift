import CairnChain
import CairnPeer

/// The peers' armed timers, apart from the event heap, and cancellable.
///
/// Every request a machine sends arms a timeout that it cancels when the answer comes a few hundred
/// milliseconds later, so timers are the bulk of all events and nearly all of them are cancelled. In the heap
/// they would sit for the whole timeout, making it several times larger, and wake their peer for nothing.
/// Here a timer armed `delay` after the virtual now goes to the lane of that delay: the clock never goes
/// back, so a lane's deadlines come in the order they were armed and a FIFO does what a heap would. A
/// machine has a handful of delays (request and dial timeouts, its periodic timers); a timer whose delay
/// finds no lane left is pushed on the heap instead (`fallbackLaneLimit`).
///
/// Each arming takes its sequence number from the event queue's counter, so timers and events keep the one
/// order they would have in a single heap. `armed` holds the sequence of each timer's live arming: re-arming
/// or cancelling a timer replaces or removes it there, and a firing whose sequence is not the live one is
/// dropped, which is what "replacing an earlier arming" and "cancel" mean for the machine.
struct TimerQueue {
    struct Key: Hashable {
        var node: Int32
        var timer: PeerTimer

        /// The key as one word: the node in the top 20 bits, the kind of timer in the next 2, and a request
        /// timer's ID in the low 42. Kind 3 holds the rarer timers, told apart by that field: 0 `persistContacts`,
        /// 1 `reclaimPending`, owner timer number m (numbered from 1) as m + 1 (below 2^41), and chain timers
        /// with bit 41 set (`chainCode`).
        var code: UInt64 {
            let kind: UInt64
            var id: UInt64 = 0
            switch timer {
            case .requestTimeout(let request):
                kind = 0
                id = request.rawValue
            case .maintenance: kind = 1
            case .rejoin: kind = 2
            case .persistContacts: kind = 3
            case .reclaimPending:
                kind = 3
                id = 1
            case .owner(let number):
                precondition(number > 0 && number < 1 << 41 - 1, "owner timers are numbered from 1, below 2^41")
                kind = 3
                id = number + 1
            case .chain(let chain):
                kind = 3
                id = 1 << 41 | Self.chainCode(chain)
            }
            precondition(id < 1 << 42, "a peer armed more than 2^42 request timers")
            return UInt64(UInt32(node)) << 44 | kind << 42 | id
        }

        init(node: Int32, timer: PeerTimer) {
            self.node = node
            self.timer = timer
        }

        init(code: UInt64) {
            node = Int32(truncatingIfNeeded: code >> 44)
            switch (code >> 42) & 3 {
            case 0: timer = .requestTimeout(OutboundID(rawValue: code & (1 << 42 - 1)))
            case 1: timer = .maintenance
            case 2: timer = .rejoin
            default:
                let number = code & (1 << 42 - 1)
                if number & 1 << 41 != 0 {
                    timer = .chain(Self.chainTimer(number & (1 << 41 - 1)))
                } else {
                    timer = number == 0 ? .persistContacts : number == 1 ? .reclaimPending : .owner(number - 1)
                }
            }
        }

        /// A chain timer in 41 bits: its kind in the top 2 (0 regossip, 1 status, 2 next height, 3 consensus),
        /// then a next height's 39 bits, or a consensus timeout's height (30 bits), round (7) and step (2).
        static func chainCode(_ timer: ChainTimer) -> UInt64 {
            switch timer {
            case .regossip: return 0
            case .status: return 1 << 39
            case .nextHeight(let height):
                precondition(height < 1 << 39, "a simulated chain passed 2^39 heights")
                return 2 << 39 | height
            case .consensus(let timeout):
                precondition(timeout.height < 1 << 30 && timeout.round < 1 << 7, "a simulated chain passed 2^30 heights or 127 rounds")
                return 3 << 39 | timeout.height << 9 | UInt64(timeout.round) << 2 | UInt64(timeout.step.rawValue)
            }
        }

        static func chainTimer(_ code: UInt64) -> ChainTimer {
            let payload = code & (1 << 39 - 1)
            switch code >> 39 {
            case 0: return .regossip
            case 1: return .status
            case 2: return .nextHeight(payload)
            default:
                return .consensus(ConsensusTimeout(
                    height: payload >> 9, round: Round(payload >> 2 & 0x7F),
                    step: ConsensusTimeout.Step(rawValue: UInt8(payload & 3)) ?? .propose))
            }
        }
    }

    struct Firing {
        var time: Int64
        var sequence: UInt64
        var code: UInt64

        var key: Key { Key(code: code) }
    }

    /// Timers armed with one delay, in the order armed.
    private struct Lane {
        var delay: Int64
        var items: [Firing] = []
        var head = 0

        var first: Firing? { head < items.count ? items[head] : nil }

        mutating func removeFirst() -> Firing {
            let item = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    /// Most lanes; beyond them, timers go to the heap.
    static let fallbackLaneLimit = 8

    private var lanes: [Lane] = []
    /// The sequence of every timer's live arming, by key code.
    private var armed = ArmedTimers()

    /// Timers armed and neither fired nor cancelled.
    var count: Int { armed.count }

    /// Arms (or re-arms) `key` to fire at `time`, with `sequence` from the event queue. Returns false when the
    /// delay has no lane, so that the caller pushes the timer on the heap; it is armed here all the same.
    mutating func arm(_ key: Key, at time: Int64, now: Int64, sequence: UInt64) -> Bool {
        let code = key.code
        armed.set(code, to: sequence)
        let delay = time - now
        if let lane = lanes.firstIndex(where: { $0.delay == delay }) {
            lanes[lane].items.append(Firing(time: time, sequence: sequence, code: code))
            return true
        }
        guard lanes.count < Self.fallbackLaneLimit else { return false }
        lanes.append(Lane(delay: delay, items: [Firing(time: time, sequence: sequence, code: code)]))
        return true
    }

    mutating func cancel(_ key: Key) {
        armed.remove(key.code)
    }

    /// Whether a firing is the timer's live arming; if so the timer is disarmed (it fires now).
    mutating func takeIfLive(_ firing: Firing) -> Bool {
        // Most firings are of cancelled request timers, gone from `armed`: one lookup settles them.
        guard let live = armed.remove(firing.code) else { return false }
        if live == firing.sequence { return true }
        armed.set(firing.code, to: live)
        return false
    }

    /// Time and sequence of the earliest firing in the lanes, live or not.
    var nextKey: (time: Int64, sequence: UInt64)? {
        earliestLane().flatMap { lanes[$0].first }.map { ($0.time, $0.sequence) }
    }

    /// Takes the earliest firing out of the lanes (check it with `takeIfLive`).
    mutating func pop() -> Firing? {
        earliestLane().map { lanes[$0].removeFirst() }
    }

    private func earliestLane() -> Int? {
        var best: Int?
        var bestKey = (time: Int64.max, sequence: UInt64.max)
        for i in lanes.indices {
            guard let item = lanes[i].first else { continue }
            if item.time < bestKey.time || (item.time == bestKey.time && item.sequence < bestKey.sequence) {
                best = i
                bestKey = (item.time, item.sequence)
            }
        }
        return best
    }
}
