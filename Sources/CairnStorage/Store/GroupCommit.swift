import Foundation

/// Leader-based group commit: writers that arrive while a commit is running wait for the next one, and the
/// first of them commits everyone's work at once. Under load one flush serves many shards instead of each
/// paying its own fsyncs — the same idea as a database's group commit.
///
/// `@unchecked Sendable`: all state is guarded by `condition`.
final class GroupCommit<Entry: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [Entry] = []
    private var committing = false
    /// Each batch's number and outcome; a writer waits until the batch holding its entry has finished.
    private var nextBatch = 0
    private var finished: [Int: Error?] = [:]
    private let commit: ([Entry]) throws -> Void

    init(commit: @escaping ([Entry]) throws -> Void) {
        self.commit = commit
    }

    /// Adds `entry` to the next batch and returns once that batch is durable; rethrows the batch's error.
    func submit(_ entry: Entry) throws {
        condition.lock()
        pending.append(entry)
        let myBatch = nextBatch
        while finished[myBatch] == nil {
            if !committing {
                // Lead: take everything pending (ours included) as this batch.
                committing = true
                let batch = pending
                let number = nextBatch
                pending.removeAll()
                nextBatch += 1
                condition.unlock()
                var outcome: Error?
                do { try commit(batch) } catch { outcome = error }
                condition.lock()
                finished[number] = .some(outcome)
                committing = false
                condition.broadcast()
            } else {
                condition.wait()
            }
        }
        let outcome = finished[myBatch]!
        // Forget old outcomes once nobody can be waiting for them.
        finished = finished.filter { $0.key >= nextBatch - 64 }
        condition.unlock()
        if let outcome { throw outcome }
    }
}
