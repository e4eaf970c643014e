import CairnCrypto
import CairnWire
import NIOCore

extension Descriptor {
    static let signingDomain = "cairn/descriptor/v2"

    /// A domain tag, then every field but the signature in their encoded form.
    public var signingBytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeWireString(Descriptor.signingDomain, maxLength: 64)
        buffer.writeDescriptorBody(self)
        return Array(buffer.readableBytesView)
    }

    /// Makes `identity` the owner, checks the whole, and signs. Throws `malformedDescriptor` when a field is out
    /// of bounds.
    public mutating func sign(with identity: Identity) throws(StorageError) {
        owner = identity.publicKey
        try validate()
        signature = identity.sign(signingBytes)
    }

    /// True only for a well-formed descriptor carrying a valid signature by `owner` over every other field.
    public func verifySignature() -> Bool {
        do {
            try validate()
        } catch {
            return false
        }
        return owner.verify(signature: signature, message: signingBytes)
    }
}
