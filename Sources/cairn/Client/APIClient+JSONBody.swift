import CairnAPI
import Foundation
import NIOCore
import NIOHTTP1

extension APIClient {
    /// POSTs `body` as JSON and decodes the JSON reply, turning `{"error": ...}` replies into CLIError.
    func json<Body: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, body: Body, as type: T.Type)
        async throws -> T
    {
        let bytes = ByteBuffer(bytes: try JSONEncoder.cairn.encode(body))
        var reply = Reply(status: .ok, body: ByteBuffer())
        try await exchange(
            method, path, contentLength: UInt64(bytes.readableBytes), headers: [("Content-Type", "application/json")],
            body: { writer in try await writer.write(.body(.byteBuffer(bytes))) },
            onHead: { reply.status = $0.status },
            onBody: {
                var chunk = $0; reply.body.writeBuffer(&chunk)
            })
        return try decode(reply, as: type)
    }
}
