@testable import CairnPeer
import Testing

/// Every running peer carries the provider machine, nil or not, and the simulator keeps 10⁵–10⁶ peers: seven
/// words (settings, store operations in flight, the next ticket, merges, the reclaim flag, confirmations
/// waiting for agreements, deletes waiting for agreements to end).
@Suite struct ProviderMachineLayoutTests {
    @Test func theProviderSideCostsAPeerAFewWords() {
        let size = MemoryLayout<ProviderMachine?>.size
        #expect(size <= 56, "ProviderMachine? takes \(size) bytes in every running peer")
    }
}
