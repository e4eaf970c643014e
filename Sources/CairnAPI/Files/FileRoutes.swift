import CairnNet
import CairnStorage
import CairnWire
import Foundation
import Hummingbird

/// `/api/v0/files` and `/api/v0/status`: streaming upload and download, list, delete, share.
struct FileRoutes: Sendable {
    let files: FileService
    let parameters: CodingParameters

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.post("files") { request, _ in
            let query = request.uri.queryParameters
            let name = try StrictQuery.value("name", in: request.uri.query) ?? "unnamed"
            guard !name.isEmpty, name.utf8.count <= FileMetadata.maxNameBytes else {
                throw APIError(.badRequest, "name must be 1 to \(FileMetadata.maxNameBytes) bytes")
            }
            let k = try query.get("k").map { try Self.integer($0, "k") } ?? parameters.k
            let n = try query.get("n").map { try Self.integer($0, "n") } ?? parameters.n
            let coding = CodingParameters(segmentSize: parameters.segmentSize, k: k, n: n)
            let size = request.headers[.contentLength].flatMap { UInt64($0) }
            let maxPrice = query.get("max_price")
            if let maxPrice, maxPrice.isEmpty {
                throw APIError(.badRequest, "max_price is empty: give tokens per GiB per epoch, e.g. 0.5")
            }
            let epochs = try query.get("epochs").map { text -> UInt64 in
                guard let value = UInt64(text), value >= 1 else {
                    throw APIError(.badRequest, "epochs='\(text.prefix(20))' is not a number of epochs (1 or more)")
                }
                return value
            }
            do {
                let options = PutOptions(
                    name: name, parameters: coding, expectedSize: size, maxPrice: maxPrice, epochs: epochs)
                let result = try await Self.mapErrors { try await files.put(request.body, options: options) }
                APIMetrics.put(succeeded: true, bytes: result.size)
                return JSONBody.response(result)
            } catch {
                APIMetrics.put(succeeded: false)
                throw error
            }
        }
        group.get("files") { _, _ in
            let list = try files.index.files().sorted { $0.created < $1.created }
            return JSONBody.response(FileListResponse(files: list.map {
                .init(id: $0.fileID.hex, name: $0.name, size: $0.size,
                      created: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double($0.created.nanoseconds) / 1e9)))
            }))
        }
        group.get("files/:id") { request, context in try await download(request, context: context) }
        group.head("files/:id") { request, context in try await download(request, context: context) }
        group.get("files/:id/last-error") { _, context in
            let id = try Self.reference(context).fileID
            guard let failure = files.lastFailure(of: id) else {
                throw APIError(.notFound, "no download of file \(id.hex) has failed on this peer since it started")
            }
            return JSONBody.response(failure)
        }
        group.get("files/:id/check") { request, context in
            let id = try Self.reference(context).fileID
            let verify = try Self.flag(request.uri.queryParameters.get("verify"), "verify")
            return JSONBody.response(try await Self.mapErrors { try await files.check(id, verify: verify) })
        }
        group.post("files/:id/repair") { _, context in
            let id = try Self.reference(context).fileID
            return JSONBody.response(try await Self.mapErrors { try await files.repair(id) })
        }
        group.delete("files/:id") { _, context in
            let id = try Self.reference(context).fileID
            return JSONBody.response(try await Self.mapErrors { try await files.remove(id) })
        }
        group.post("files/:id/share") { request, context in
            let id = try Self.reference(context).fileID
            let to = request.uri.queryParameters.get("to") ?? ""
            guard let grantee = Key256(hex: to) else {
                throw APIError(.badRequest, "to='\(to.prefix(80))' is not a PeerID: expected 64 hexadecimal characters")
            }
            return JSONBody.response(try await Self.mapErrors { try await files.share(id, to: grantee) })
        }
        group.get("files/:id/cap") { _, context in
            let id = try Self.reference(context).fileID
            let capability = try await Self.mapErrors { try await files.capability(of: id) }
            return JSONBody.response(CapabilityResponse(id: id.hex, cap: capability.description))
        }
        group.get("status") { _, _ in JSONBody.response(try StatusResponse(files)) }
    }

    /// RFC 6266 §4.1 with the RFC 8187 encoding, so that any UTF-8 name survives: `cairn get -o DIR` names the
    /// file with it.
    static func contentDisposition(fileName: String) -> String {
        let allowed = CharacterSet(charactersIn: "!#$&+-.^_`|~").union(.alphanumerics)
        let ascii = CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127))
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: allowed.intersection(ascii)) ?? "file"
        return "attachment; filename*=UTF-8''\(encoded)"
    }

    /// The `{id}` path segment — a file ID or a read capability — through the one parser every entry point uses.
    static func reference<Context: RequestContext>(_ context: Context) throws -> FileReference {
        let raw = context.parameters.get("id") ?? ""
        let text = try StrictQuery.decode(raw[...], what: "the file reference in the path")
        do {
            return try FileReference(parsing: text)
        } catch {
            throw APIError(.badRequest, "\(error)")
        }
    }

    /// A yes/no query parameter: absent is no; anything but true/false, 1/0, yes/no is refused rather than read
    /// as no, so that a misspelt `verify=ture` does not silently skip the proofs.
    static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "false", "0", "no": return false
        case "true", "1", "yes": return true
        case let text?:
            throw APIError(.badRequest, "\(name)='\(text.prefix(20))' is not one of true, false, 1, 0, yes, no")
        }
    }

    static func integer(_ text: String, _ name: String) throws -> Int {
        guard let value = Int(text) else { throw APIError(.badRequest, "\(name)='\(text.prefix(20))' is not a number") }
        return value
    }

    /// Gives each failure the HTTP status that fits it.
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FileError {
            switch error {
            case .tooFewProviders, .unavailable, .recordNotStored, .placementFailed: throw APIError(.serviceUnavailable, "\(error)")
            case .descriptorNotFound, .peerNotFound: throw APIError(.notFound, "\(error)")
            case .noAccess, .notOwner, .wrongKey: throw APIError(.forbidden, "\(error)")
            case .clockSkew: throw APIError(.serviceUnavailable, "\(error)")
            case .invalidRequest: throw APIError(.badRequest, "\(error)")
            case .unexpectedResponse: throw APIError(.badGateway, "\(error)")
            }
        } catch let error as StorageError {
            switch error {
            case .invalidCapability, .invalidFileReference, .invalidCodingParameters, .invalidSegmentSize,
                .invalidShardID:
                throw APIError(.badRequest, "\(error)")
            case .noCapacity, .diskFull:
                throw APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), "\(error)")
            case .authenticationFailed: throw APIError(.forbidden, "\(error)")
            default: throw APIError(.internalServerError, "\(error)")
            }
        }
    }
}

public struct FileListResponse: Codable, Sendable {
    public struct File: Codable, Sendable {
        public var id: String
        public var name: String
        public var size: UInt64
        public var created: String
    }

    public var files: [File]
}

public struct StatusResponse: Codable, Sendable {
    public var id: String
    public var capacity: UInt64
    public var used: UInt64
    /// What the provider can still take: capacity less used, bounded by the disk's free space less a reserve.
    public var free: UInt64?
    public var shards: Int
    public var files: Int
    /// Shard bytes, and shards, sent to other peers since this peer started.
    public var servedBytes: UInt64?
    public var servedShards: UInt64?

    enum CodingKeys: String, CodingKey {
        case id, capacity, used, free, shards, files
        case servedBytes = "served_bytes"
        case servedShards = "served_shards"
    }

    /// The figures as they are now.
    init(_ files: FileService) throws {
        let store = files.provider.shards
        let served = ServedTotals.now
        self.init(
            id: files.peer.peerID.hex, capacity: store.capacity, used: try store.used(), free: try store.free(),
            shards: try store.count(), files: try files.index.files().count, servedBytes: served.bytes,
            servedShards: served.shards)
    }

    init(
        id: String, capacity: UInt64, used: UInt64, free: UInt64?, shards: Int, files: Int, servedBytes: UInt64?,
        servedShards: UInt64?
    ) {
        self.id = id
        self.capacity = capacity
        self.used = used
        self.free = free
        self.shards = shards
        self.files = files
        self.servedBytes = servedBytes
        self.servedShards = servedShards
    }
}

/// `GET /api/v0/files/{id}/cap`.
public struct CapabilityResponse: Codable, Sendable {
    public var id: String
    public var cap: String
}
