import CairnNet
import Testing

@Suite struct FileDescriptorBudgetTests {
    @Test func wantedConnectionsFitUnderTheLimitWithTheReserveKept() throws {
        let budget = try FileDescriptorBudget(limit: 1024, transport: 512, api: 256)
        #expect(budget.transportConnections == 512)
        #expect(budget.apiConnections == 256)
        #expect(budget.reserved == 256)
        #expect(budget.reserved >= FileDescriptorBudget.reserved)
    }

    @Test(arguments: [512, 600, 800, 300, 160])
    func aLowLimitCutsBothSidesAndStillKeepsTheReserve(limit: Int) throws {
        let budget = try FileDescriptorBudget(limit: limit, transport: 512, api: 256)
        #expect(budget.transportConnections + budget.apiConnections + FileDescriptorBudget.reserved <= limit)
        #expect(budget.transportConnections >= FileDescriptorBudget.minimumConnections)
        #expect(budget.apiConnections >= FileDescriptorBudget.minimumConnections)
        #expect(budget.transportConnections >= budget.apiConnections)
    }

    @Test func aLimitTooLowForAnyPeerIsRefusedWithAWayOut() {
        let error = #expect(throws: FileDescriptorBudgetError.self) {
            try FileDescriptorBudget(limit: 100, transport: 512, api: 256)
        }
        #expect(error?.description.contains("ulimit -n") == true)
    }

    @Test func theSoftLimitIsRaisedToTheHardOne() {
        let raised = OpenFileLimit.raise()
        #expect(raised.now >= raised.before)
        #expect(OpenFileLimit.raise().before == raised.now)
    }
}
