/// What the soak clients did, counted as they go: the progress rows read it while the load runs, the report at
/// the end.
actor SoakLedger {
    struct Tally: Codable, Equatable {
        var puts = 0
        var gets = 0
        var deletes = 0
        var putFailures = 0
        var getFailures = 0
        var deleteFailures = 0
        var bytesPut: UInt64 = 0
        var bytesGot: UInt64 = 0

        var failures: Int { putFailures + getFailures + deleteFailures }

        enum CodingKeys: String, CodingKey {
            case puts, gets, deletes
            case putFailures = "put_failures"
            case getFailures = "get_failures"
            case deleteFailures = "delete_failures"
            case bytesPut = "bytes_put"
            case bytesGot = "bytes_got"
        }
    }

    private(set) var tally = Tally()
    /// The first few distinct failure messages, so that a failed soak says why.
    private(set) var errors: [String] = []
    private let keptErrors = 8

    func succeeded(_ operation: SoakWorkload.Operation, bytes: Int = 0) {
        switch operation {
        case .put:
            tally.puts += 1
            tally.bytesPut += UInt64(bytes)
        case .get:
            tally.gets += 1
            tally.bytesGot += UInt64(bytes)
        case .delete: tally.deletes += 1
        }
    }

    func failed(_ operation: SoakWorkload.Operation, _ error: any Error) {
        switch operation {
        case .put: tally.putFailures += 1
        case .get: tally.getFailures += 1
        case .delete: tally.deleteFailures += 1
        }
        let message = "\(operation.rawValue): \(String(describing: error).prefix(300))"
        if errors.count < keptErrors, !errors.contains(message) { errors.append(message) }
    }
}
