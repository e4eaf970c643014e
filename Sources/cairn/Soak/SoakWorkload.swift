import Foundation

/// What a soak client does next, and how large a file it puts: the mix of issue 6, item 10 (three clients
/// putting, getting and deleting files of 1 B to 20 MiB).
///
/// Sizes are drawn half uniformly over 1 B...max, which keeps whole 4 MiB segments and their 1 MiB shards
/// coming (the buffers that fragment the heap), and half log-uniformly, so that tiny and small files, with
/// their short segments and padded shards, are as common as they are on a real disk.
struct SoakWorkload {
    enum Operation: String, Codable, CaseIterable {
        case put, get, delete
    }

    /// Largest file, bytes.
    var maxBytes: Int
    /// A client holding this many files deletes one before it puts again, so that the disk stays bounded
    /// while the heap sees every size come and go.
    var maxLiveFiles: Int = 16

    /// The next operation for a client holding `live` files: put 45 %, get 35 %, delete 20 %; a put when it
    /// holds nothing, a delete when it holds `maxLiveFiles`.
    func nextOperation(live: Int, using random: inout some RandomNumberGenerator) -> Operation {
        if live == 0 { return .put }
        if live >= maxLiveFiles { return .delete }
        switch Int.random(in: 0..<100, using: &random) {
        case ..<45: return .put
        case ..<80: return .get
        default: return .delete
        }
    }

    /// A file size in 1...maxBytes.
    func nextSize(using random: inout some RandomNumberGenerator) -> Int {
        if Bool.random(using: &random) { return Int.random(in: 1...maxBytes, using: &random) }
        let exponent = Double.random(in: 0...log2(Double(maxBytes)), using: &random)
        return min(max(Int(exp2(exponent)), 1), maxBytes)
    }
}
