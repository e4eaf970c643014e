import CairnWire
import NIOCore
import Testing

struct WireFuzzingTests {
    /// Inputs worth keeping: edge cases, and every input that ever trapped the fuzzer (none so far).
    static let regressions: [[UInt8]] = [
        [],
        [0xff, 0xff, 0xff, 0xff],
        bytes(hex: "01 01 0000000000000001 01 01 ffff"),
        bytes(hex: "01 01 0000000000000001 01 01 0040"),
        bytes(hex: "01 00 0000000000000001 01 03") + [UInt8](repeating: 0, count: 32) + [0xff, 0xff],
        [1, 1] + [UInt8](repeating: 0, count: 64),
        [2, 1] + [UInt8](repeating: 0, count: 200),
        [3] + [UInt8](repeating: 0xff, count: 150),
    ]

    @Test(arguments: regressions)
    func regression(_ input: [UInt8]) {
        input.withUnsafeBytes { cairnWireFuzzOne($0) }
    }

    @Test func seededRandomInputs() {
        var random = SeededGenerator(seed: 20_260_101)
        for _ in 0..<1500 {
            let input = random.bytes(Int.random(in: 0...300, using: &random))
            input.withUnsafeBytes { cairnWireFuzzOne($0) }
        }
    }

    /// Random bytes rarely get past the first byte; mutating valid messages reaches the deeper code.
    @Test func seededMutationsOfValidInputs() throws {
        var random = SeededGenerator(seed: 7)
        var seeds = Samples.messages.map(encoded)
        let identity = Identity(seed: [UInt8](repeating: 1, count: 32))!
        let config = HandshakeConfig(
            identity: identity, networkID: SHA256.hash(Array("cairn fuzz network".utf8)), puzzleBits: 0,
            advertisedAddress: PeerAddress(host: "127.0.0.1", port: 4001))
        let (_, m1) = HandshakeStateMachine.initiator(config: config, expectedPeer: nil)
        var responder = HandshakeStateMachine.responder(
            config: HandshakeConfig(
                identity: Identity(seed: [UInt8](repeating: 2, count: 32))!, networkID: config.networkID, puzzleBits: 0,
                advertisedAddress: nil))
        guard case .send(let m2) = try responder.receive(m1) else {
            Issue.record("no m2")
            return
        }
        seeds += [m1, m2]
        for seed in seeds {
            for _ in 0..<40 {
                var input = seed
                for _ in 0..<Int.random(in: 1...3, using: &random) where !input.isEmpty {
                    input[Int.random(in: 0..<input.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                input.withUnsafeBytes { cairnWireFuzzOne($0) }
            }
        }
    }
}
