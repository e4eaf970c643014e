import CairnNet
import CairnStorage
import CairnWire
import Foundation
import Hummingbird
import NIOCore

extension FileRoutes {
    /// `GET` and `HEAD /files/{id}`: the file, a single byte range of it (RFC 9110 §14), or for `HEAD` the same
    /// head with no body.
    ///
    /// A file's bytes never change under its ID, so the ID is a strong `ETag`, and `If-Range` (RFC 9110 §13.1.5)
    /// with it lets a client resume safely.
    func download<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        let reference = try Self.reference(context)
        // Key, first segment and every segment's holders are checked before the status goes out (issue 6,
        // items 4 and 5); a later failure is logged and kept for `files/:id/last-error`.
        let download: FileDownload
        do {
            download = try await Self.mapErrors { try await files.open(reference).prepare() }
        } catch {
            if request.method == .get { APIMetrics.got(succeeded: false) }
            throw error
        }
        let reader = download.reader
        let size = reader.size
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = Self.contentDisposition(fileName: reader.name)
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = Self.entityTag(reader.fileID)
        // RFC 9110 §14.2: range handling is defined for GET only; a HEAD describes the whole file.
        var range = ByteRangeRequest.whole
        if request.method == .get, Self.ifRangeHolds(request.headers[.ifRange], fileID: reader.fileID) {
            range = ByteRangeRequest(header: request.headers[.range], size: size)
        }
        switch range {
        case .unsatisfiable:
            var response = JSONBody.response(
                ErrorResponse(error: "the range '\(request.headers[.range] ?? "")' starts at or after the end of "
                    + "the file (\(size) bytes)"),
                status: .rangeNotSatisfiable)
            response.headers[.contentRange] = "bytes */\(size)"
            response.headers[.acceptRanges] = "bytes"
            return response
        case .whole:
            headers[.contentLength] = "\(size)"
            guard request.method == .get else { return Response(status: .ok, headers: headers, body: .init()) }
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: Int(size)) { writer in
                    try await Self.counted {
                        try await download.stream { buffer in
                            try await writer.write(buffer)
                            APIMetrics.sent(bytes: buffer.readableBytes)
                        }
                    }
                    try await writer.finish(nil)
                })
        case .partial(let bytes):
            let span = SegmentSpan(lengths: reader.layout.segments.map(\.plaintextLength), range: bytes)
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(size)"
            headers[.contentLength] = "\(span.length)"
            return Response(
                status: .partialContent, headers: headers,
                body: ResponseBody(contentLength: Int(span.length)) { writer in
                    var skip = span.skip
                    var remaining = span.length
                    try await Self.counted { try await download.stream(segments: span.segments) { buffer in
                        var buffer = buffer
                        let dropped = min(skip, buffer.readableBytes)
                        buffer.moveReaderIndex(forwardBy: dropped)
                        skip -= dropped
                        let kept = Int(min(UInt64(buffer.readableBytes), remaining))
                        guard kept > 0 else { return }
                        remaining -= UInt64(kept)
                        try await writer.write(buffer.getSlice(at: buffer.readerIndex, length: kept) ?? ByteBuffer())
                        APIMetrics.sent(bytes: kept)
                    } }
                    try await writer.finish(nil)
                })
        }
    }

    /// Streams a get's body and counts the get as done or failed.
    static func counted(_ stream: () async throws -> Void) async throws {
        do {
            try await stream()
            APIMetrics.got(succeeded: true)
        } catch {
            APIMetrics.got(succeeded: false)
            throw error
        }
    }

    /// The strong entity tag of a file: its ID, which commits to every byte.
    static func entityTag(_ fileID: Key256) -> String { "\"\(fileID.hex)\"" }

    /// RFC 9110 §13.1.5: the range applies when `If-Range` is absent or names this file's entity tag; a date
    /// or another tag makes the request one for the whole file.
    static func ifRangeHolds(_ ifRange: String?, fileID: Key256) -> Bool {
        guard let ifRange else { return true }
        return ifRange.trimmingCharacters(in: .whitespaces) == entityTag(fileID)
    }
}
