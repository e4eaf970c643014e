import Synchronization

/// Answers worked out from one market state and shared by every copy of it (`MarketState.views`).
///
/// Why: every peer asks the committed market the same questions after each block (which providers are failing,
/// for one), and in a simulation thousands of peers hold copies of one state (`AppliedBlockMemo`). The answer
/// is a pure function of the state, so the first peer to ask computes it and the others read it. Every
/// `MarketStep` starts its copy with empty views, so a changed state never answers from its parent's; only code
/// outside the step (which cannot change the state) asks.
public final class MarketViews: Sendable {
    /// Which answer: the question and whatever parameters it depends on, in words.
    public struct Key: Hashable, Sendable {
        public var name: String
        public init(_ name: String) { self.name = name }
    }

    private let answers = Mutex<[Key: any Sendable]>([:])

    public init() {}

    /// The answer under `key`, computed by `compute` the first time it is asked. `compute` must depend on
    /// nothing but the state these views belong to and what `key` names.
    public func memoised<Value: Sendable>(_ key: Key, _ compute: () -> Value) -> Value {
        if let known = answers.withLock({ $0[key] }) as? Value { return known }
        let value = compute()
        answers.withLock { $0[key] = value }
        return value
    }
}

extension MarketViews: Equatable {
    /// Views hold only what the state they belong to determines: they never make two states differ.
    public static func == (a: MarketViews, b: MarketViews) -> Bool { true }
}
