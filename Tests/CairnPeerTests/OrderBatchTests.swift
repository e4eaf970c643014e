import CairnWire
import Testing

@testable import CairnPeer

/// Orders name at most 65,535 shards (a u16 count): a holder of more gets several, none dropped.
struct OrderBatchTests {
    @Test func batchesCoverEveryItemInOrderWithinTheLimit() {
        #expect(batches([Int](), of: 3) == [[]])
        #expect(batches([1, 2, 3, 4, 5, 6, 7], of: 3) == [[1, 2, 3], [4, 5, 6], [7]])
        let many = Array(0..<(ConfirmOrder.maxShards + 2))
        let split = batches(many, of: ConfirmOrder.maxShards)
        #expect(split.map(\.count) == [ConfirmOrder.maxShards, 2])
        #expect(split.flatMap { $0 } == many)
    }
}
