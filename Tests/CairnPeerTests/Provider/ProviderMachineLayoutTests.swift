@testable import CairnPeer
import Testing

/// Every running peer carries the provider machine, nil or not, and the simulator keeps 10⁵–10⁶ peers.
@Suite struct ProviderMachineLayoutTests {
    @Test func theProviderSideCostsAPeerAFewWords() {
        let size = MemoryLayout<ProviderMachine?>.size
        #expect(size <= 48, "ProviderMachine? takes \(size) bytes in every running peer")
    }
}
