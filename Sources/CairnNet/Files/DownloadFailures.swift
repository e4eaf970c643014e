import CairnWire
import Foundation
import Synchronization

/// Why a download stopped after it had answered 200 (issue 6, item 5): the status is gone by then, and the
/// connection is cut short, so the reason is kept here, by file, for `GET /api/v0/files/{id}/last-error`, from
/// which `cairn get` reports which segment failed and why.
public struct DownloadFailure: Codable, Sendable, Hashable {
    public var id: String
    public var segment: Int
    public var segments: Int
    /// Bytes of the file delivered before the failure.
    public var offset: UInt64
    public var size: UInt64
    public var error: String
    /// ISO 8601, UTC.
    public var at: String
}

/// The last failure of each file's downloads on this peer, the most recent 64 files.
final class DownloadFailures: Sendable {
    private let entries = Mutex<[(fileID: Key256, failure: DownloadFailure)]>([])
    static let limit = 64

    func record(_ failure: DownloadFailure, of fileID: Key256) {
        entries.withLock { entries in
            entries.removeAll { $0.fileID == fileID }
            entries.append((fileID, failure))
            if entries.count > Self.limit { entries.removeFirst(entries.count - Self.limit) }
        }
    }

    func last(of fileID: Key256) -> DownloadFailure? {
        entries.withLock { $0.last { $0.fileID == fileID }?.failure }
    }
}
