import CairnCrypto
import Testing

@testable import CairnChain

/// Vectors computed independently (Python's hashlib, RFC 6962 §2.1) over leaves SHA-256([i]) for i in 0..<n.
@Suite struct TransactionRootTests {
    @Test(arguments: [
        (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (1, "d9de27625445003d8a9739a851e3ff8d41c0683630b4d63a88327a6aaa37c409"),
        (2, "604d540f09268b91672ab011394d5266ccd7d4484d0d109411a55848126a1b2c"),
        (3, "d1f13800048f5909d4043fc0c152f6643280cba608b672715e56ce159a20629f"),
        (5, "6b313b611b40676b9e1dfd70c4503f2379f88f0f1c2740fb7e1cacc32c113465"),
        (7, "bee2275db16667589a4515f63e0d053a2fa602c1d9f9703e98920a5bdad59baf"),
    ])
    func matchesRFC6962(count: Int, root: String) {
        let leaves = (0..<count).map { SHA256.hash([UInt8($0)]) }
        #expect(TransactionRoot.of(leaves).hex == root)
    }

    @Test func orderMatters() {
        let a = SHA256.hash([1])
        let b = SHA256.hash([2])
        #expect(TransactionRoot.of([a, b]) != TransactionRoot.of([b, a]))
    }
}
