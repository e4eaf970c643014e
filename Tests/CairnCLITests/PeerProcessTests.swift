@testable import cairn
import Foundation
import Testing

@Suite struct PeerProcessTests {
    @Test func aRunningProcessIsRecognizedByItsStartTime() throws {
        let me = try #require(PeerProcess.running(getpid()))
        #expect(me.isRunning)
        #expect(PeerProcess(line: me.line[...]) == me)
        // The same PID with another start time is another process: it is never signalled.
        let impostor = PeerProcess(pid: me.pid, startTime: me.startTime + 1)
        #expect(!impostor.isRunning)
        #expect(!impostor.signal(0))
        #expect(me.signal(0))
    }

    @Test(arguments: ["", "123", "abc 5", "0 5", "-1 5", "12 x", "1 2 3"])
    func linesThatNameNoVerifiablePeer(line: String) {
        #expect(PeerProcess(line: line[...]) == nil)
    }

    @Test func anExitedProcessIsNotRunning() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        let started = PeerProcess.running(process.processIdentifier)
        process.waitUntilExit()
        // Reaped by waitUntilExit: its PID names nothing, or by now another process.
        #expect(started.map { !$0.isRunning } ?? true)
    }
}
