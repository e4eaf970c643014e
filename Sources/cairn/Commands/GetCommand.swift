import ArgumentParser
import CairnAPI
import CairnCrypto
import CairnNet
import CairnStorage
import Foundation
import NIOHTTP1

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Fetch a file by ID (owner or grantee) or read capability; to stdout or -o FILE.",
        discussion: """
            With -o, the bytes go to FILE.<start of the file ID>.cairn-part next to FILE and replace FILE only once
            complete. A download cut off midway keeps that partial file, and the same command run again resumes
            from where it stopped.
            """)

    @Argument(help: "File ID (64 hex) or read capability (cairn:<id>:<key>).") var reference: String
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write here instead of standard output; into it under the file's name if it is a directory. "
                + "Only a regular file is ever replaced."))
    var output: String?
    @OptionGroup var options: APIOptions

    struct Result: Codable {
        var id: String
        var size: UInt64
        var sha256: String
        var seconds: Double
        var output: String?
        /// Bytes that an earlier, interrupted attempt had already written.
        var resumedFrom: UInt64?

        enum CodingKeys: String, CodingKey {
            case id, size, sha256, seconds, output
            case resumedFrom = "resumed_from"
        }
    }

    func run() async throws {
        let reference = try FileReference(parsing: self.reference)
        let started = Date()
        let output = self.output == "-" ? nil : self.output
        let path = "/api/v0/files/\(percentEncoded(reference.description))"
        var result: Result
        if let output {
            result = try await download(path, fileID: reference.fileID, into: output)
        } else {
            result = try await stream(path, fileID: reference.fileID)
        }
        result.seconds = Date().timeIntervalSince(started)
        guard output != nil || options.json else { return }
        if options.json {
            // With the file on stdout, the summary goes to stderr so the two never mix.
            let data = try JSONEncoder.cairn.encode(result)
            if output == nil {
                FileHandle.standardError.write(data + Data("\n".utf8))
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        let resumed = result.resumedFrom.map { " (resumed after \($0) bytes)" } ?? ""
        print("got \(result.size) bytes into \(TerminalText.escaped(result.output ?? "-")) in "
            + String(format: "%.2f s", result.seconds) + resumed)
        print("sha256: \(result.sha256)")
    }

    /// The file to standard output, hashed on the way.
    func stream(_ path: String, fileID: Key256) async throws -> Result {
        var hasher = StreamingSHA256()
        var size: UInt64 = 0
        var announced: UInt64?
        do {
            try await options.client().download(
                path, progress: nil,
                onHead: { announced = $0.headers.first(name: "Content-Length").flatMap(UInt64.init) ?? 0 }
            ) { chunk in
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                size += UInt64(chunk.readableBytes)
                try FileHandle.standardOutput.write(contentsOf: chunk.readableBytesView)
            }
        } catch {
            // After a 200 the peer can only cut the body short; it keeps the reason for us to ask.
            guard let announced else { throw error }
            throw await Self.explainCut(fileID.hex, got: size, of: announced, error, options: options)
        }
        return Result(id: fileID.hex, size: size, sha256: hasher.finish().hex, seconds: 0, output: nil)
    }

    /// The file into `output` through its partial file, resuming one that an earlier attempt left (RFC 9110
    /// §14: `Range: bytes=N-`, with `If-Range` naming the file so that only its own bytes are ever appended).
    ///
    /// On failure the partial file is kept if it holds bytes and the peer did not refuse the file (a 4xx: it
    /// will not be served, so nothing is worth keeping); a resume the peer cannot satisfy (416) starts over.
    func download(_ path: String, fileID: Key256, into output: String) async throws -> Result {
        var partial = try DownloadTarget.existingPartial(output: output, fileID: fileID).map(PartialDownload.init)
        var target: DownloadTarget?
        var resumedFrom: UInt64?
        var total: UInt64?
        do {
            let offset = partial?.existingBytes ?? 0
            var headers: [(String, String)] = []
            if offset > 0 {
                headers = [("Range", "bytes=\(offset)-"), ("If-Range", "\"\(fileID.hex)\"")]
            }
            try await options.client().download(
                path, headers: headers, progress: Progress.ifTerminal("get", total: nil),
                onHead: { head in
                    let name = head.headers.first(name: "Content-Disposition").flatMap(ContentDisposition.fileName)
                    let resolved = try DownloadTarget(output: output, fileName: name, fileID: fileID)
                    target = resolved
                    if let opened = partial, opened.path != resolved.partialPath {
                        throw CLIError("the partial download \(opened.path) is not the one for \(resolved.path)")
                    }
                    let file = try partial ?? PartialDownload(path: resolved.partialPath)
                    partial = file
                    if head.status == .partialContent {
                        let range = head.headers.first(name: "Content-Range").flatMap(ContentRange.init)
                        guard let range, range.first == offset else {
                            throw CLIError("the peer resumed at an unexpected place: Content-Range "
                                + "'\(head.headers.first(name: "Content-Range") ?? "")', expected bytes \(offset)-")
                        }
                        try file.start(keeping: offset)
                        resumedFrom = offset
                        total = range.size
                    } else {
                        // The whole file: whatever the partial file held is replaced.
                        try file.start(keeping: 0)
                        total = head.headers.first(name: "Content-Length").flatMap(UInt64.init)
                    }
                }
            ) { chunk in
                guard let partial else { throw CLIError("the peer sent a body before its answer's head") }
                try partial.append(chunk)
            }
            guard let partial, let target else { throw CLIError("the peer's answer had no head") }
            if let total, partial.size != total {
                throw CLIError("the peer sent \(partial.size) of the file's \(total) bytes")
            }
            try partial.commit(to: target.path)
            return Result(id: fileID.hex, size: partial.size, sha256: partial.finishHash().hex, seconds: 0,
                          output: target.path, resumedFrom: resumedFrom)
        } catch let error as APIStatusError where error.status == .rangeNotSatisfiable && partial != nil {
            // The partial file is longer than the file: not this file's bytes after all. Start over once.
            partial?.discard()
            return try await download(path, fileID: fileID, into: output)
        } catch let error as APIStatusError where error.isRefusal {
            partial?.discard()
            throw error
        } catch {
            guard let partial else { throw error }
            guard partial.size > 0 else {
                partial.discard()
                throw error
            }
            partial.close()
            var reason = "\(error)"
            if let total {
                reason = await Self.explainCut(fileID.hex, got: partial.size, of: total, error, options: options)
                    .description
            }
            throw CLIError("\(reason); the \(partial.size) bytes received are kept in "
                + "\(TerminalText.escaped(partial.path)): run the same command again to resume")
        }
    }
}

extension GetCommand {
    /// Why a download that had started stopped: the peer's record of the failed segment
    /// (`GET /api/v0/files/{id}/last-error`), or what the connection said when the peer has none.
    static func explainCut(_ fileID: String, got: UInt64, of size: UInt64, _ error: Error, options: APIOptions) async
        -> CLIError
    {
        let prefix = "the download stopped after \(got) of \(size) bytes"
        // The peer had handed over at least what arrived here; an older failure of the same file, further back
        // in it, is not this one.
        // Asked with a deadline: the peer (or whatever answers at its address) may take the connection and
        // never reply, and the user is owed the first error then, not a hang.
        let client = try? options.client()
        let failure = await withTaskGroup(of: DownloadFailure?.self) { group in
            group.addTask {
                try? await client?.json(.GET, "/api/v0/files/\(fileID)/last-error", as: DownloadFailure.self)
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let failure, failure.offset >= got {
            return CLIError("\(prefix): segment \(failure.segment) of \(failure.segments) failed: \(failure.error)")
        }
        return CLIError("\(prefix): \(error)")
    }
}

/// `Content-Range: bytes FIRST-LAST/SIZE` of a 206 reply (RFC 9110 §14.4).
struct ContentRange {
    var first: UInt64
    var last: UInt64
    var size: UInt64

    init?(_ header: String) {
        guard header.hasPrefix("bytes ") else { return nil }
        let parts = header.dropFirst(6).split(separator: "/")
        guard parts.count == 2, let size = UInt64(parts[1]) else { return nil }
        let bounds = parts[0].split(separator: "-")
        guard bounds.count == 2, let first = UInt64(bounds[0]), let last = UInt64(bounds[1]), first <= last else {
            return nil
        }
        (self.first, self.last, self.size) = (first, last, size)
    }
}
