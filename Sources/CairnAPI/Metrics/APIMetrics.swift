import Metrics

/// What the API counts, through swift-metrics (see `PeerMetrics` for the network side): files put and got with
/// their bytes, and the failures it answered, by status and reason.
///
/// Handles are made on first use, which `cairn run` reaches only after it has bootstrapped the backend.
enum APIMetrics {
    static func put(succeeded: Bool, bytes: UInt64 = 0) {
        (succeeded ? putsSucceeded : putsFailed).increment()
        if bytes > 0 { putBytes.increment(by: Int64(clamping: bytes)) }
    }

    static func got(succeeded: Bool) {
        (succeeded ? getsSucceeded : getsFailed).increment()
    }

    /// File bytes sent to a client, as they go.
    static func sent(bytes: Int) {
        getBytes.increment(by: Int64(bytes))
    }

    /// An error answer: its status and a short reason (`token_missing`, `host`, `not_found`, …).
    static func failed(status: Int, reason: String) {
        Counter(label: "cairn_api_failures_total", dimensions: [("status", "\(status)"), ("reason", reason)])
            .increment()
    }

    private static let putsSucceeded = Counter(label: "cairn_file_puts_total", dimensions: [("outcome", "ok")])
    private static let putsFailed = Counter(label: "cairn_file_puts_total", dimensions: [("outcome", "failed")])
    private static let putBytes = Counter(label: "cairn_file_put_bytes_total")
    private static let getsSucceeded = Counter(label: "cairn_file_gets_total", dimensions: [("outcome", "ok")])
    private static let getsFailed = Counter(label: "cairn_file_gets_total", dimensions: [("outcome", "failed")])
    private static let getBytes = Counter(label: "cairn_file_get_bytes_total")
}
