import Foundation
import Testing

@testable import cairn

@Suite struct ResidentMemoryTests {
    @Test func readsVmRSSAndVmHWMInMiB() throws {
        let status = "Name:\tcairn\nVmPeak:\t 1234567 kB\nVmHWM:\t  102400 kB\nVmRSS:\t   51200 kB\nThreads:\t12\n"
        let memory = try #require(ResidentMemory(status: status))
        #expect(memory == ResidentMemory(currentMiB: 50, peakMiB: 100))
    }

    @Test(arguments: ["", "Name:\tkthreadd\nState:\tS (sleeping)\n", "VmRSS:\t 100 kB\n", "VmHWM:\t 100 kB\n"])
    func statusWithoutBothLinesIsNotRead(status: String) {
        #expect(ResidentMemory(status: status) == nil)
    }

    @Test func thisProcessHasResidentMemory() throws {
        let memory = try #require(ResidentMemory.of(pid: getpid()))
        #expect(memory.currentMiB > 1)
        #expect(memory.peakMiB >= memory.currentMiB)
    }
}
