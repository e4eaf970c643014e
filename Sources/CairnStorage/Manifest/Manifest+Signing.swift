import CairnCrypto

extension Manifest {
    static let signingDomain = Array("cairn/manifest/v1".utf8)

    /// A domain tag, then every field but the signature in their encoded form.
    public var signingBytes: [UInt8] {
        var writer = ByteWriter(reservingCapacity: encodedBodySize + 32)
        writer.write(shortBytes: Manifest.signingDomain)
        writeBody(into: &writer)
        return writer.bytes
    }

    /// Makes `identity` the owner, brings the provider roots in step with the holders, checks the whole, and
    /// signs. Throws `malformedManifest` when a field is out of bounds or the sizes disagree.
    public mutating func sign(with identity: Identity) throws(StorageError) {
        owner = identity.publicKey
        updateProviderRoots()
        try checkEncodable()
        signature = identity.sign(signingBytes)
    }

    /// True only for a well-formed manifest carrying a valid signature by `owner` over every other field.
    public func verifySignature() -> Bool {
        do {
            try validate()
        } catch {
            return false
        }
        return owner.verify(signature: signature, message: signingBytes)
    }
}
