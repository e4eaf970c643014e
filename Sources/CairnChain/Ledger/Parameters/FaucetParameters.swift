/// A test network's faucet: `amount` base units per request, at most once per account every `cooldownBlocks`.
public struct FaucetParameters: Hashable, Sendable, Codable {
    public var amount: Amount
    public var cooldownBlocks: UInt64

    public init(amount: Amount, cooldownBlocks: UInt64) {
        self.amount = amount
        self.cooldownBlocks = cooldownBlocks
    }

    enum CodingKeys: String, CodingKey {
        case amount
        case cooldownBlocks = "cooldown_blocks"
    }
}
