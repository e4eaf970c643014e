/// A set of shard indices below `CodingParameters.maxShardCount`, as one 32-bit mask: no allocation, and usable
/// as a cache key for decode matrices.
public struct ShardSet: Hashable, Sendable, Sequence, CustomStringConvertible {
    public private(set) var mask: UInt32

    public init() { mask = 0 }

    public init(mask: UInt32) { self.mask = mask }

    public init<S: Sequence>(_ indices: S) where S.Element == Int {
        mask = 0
        for index in indices { insert(index) }
    }

    /// Every index in `0..<count`.
    public static func all(_ count: Int) -> ShardSet {
        ShardSet(mask: count >= 32 ? .max : (UInt32(1) << UInt32(count)) - 1)
    }

    public var count: Int { mask.nonzeroBitCount }
    public var isEmpty: Bool { mask == 0 }

    public func contains(_ index: Int) -> Bool {
        index >= 0 && index < 32 && mask & (UInt32(1) << UInt32(index)) != 0
    }

    /// Indices outside `0..<32` are ignored.
    public mutating func insert(_ index: Int) {
        guard index >= 0, index < 32 else { return }
        mask |= UInt32(1) << UInt32(index)
    }

    public mutating func remove(_ index: Int) {
        guard index >= 0, index < 32 else { return }
        mask &= ~(UInt32(1) << UInt32(index))
    }

    public func subtracting(_ other: ShardSet) -> ShardSet { ShardSet(mask: mask & ~other.mask) }
    public func union(_ other: ShardSet) -> ShardSet { ShardSet(mask: mask | other.mask) }
    public func intersection(_ other: ShardSet) -> ShardSet { ShardSet(mask: mask & other.mask) }

    /// The `count` lowest indices.
    public func prefix(_ count: Int) -> ShardSet {
        var result = ShardSet()
        for index in self where result.count < count { result.insert(index) }
        return result
    }

    public func makeIterator() -> Iterator { Iterator(remaining: mask) }

    public struct Iterator: IteratorProtocol {
        var remaining: UInt32
        public mutating func next() -> Int? {
            guard remaining != 0 else { return nil }
            let index = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            return index
        }
    }

    public var description: String { "{" + map(String.init).joined(separator: ",") + "}" }
}
