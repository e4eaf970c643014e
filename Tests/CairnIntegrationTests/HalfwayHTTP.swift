import CairnCrypto
import Foundation

/// HTTP/1.1 by hand, for what the CLI never shows: the status line before any byte of a body, and uploads that
/// stop half way.
enum HalfwayHTTP {
    struct Reply {
        var status: Int
        var head: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GETs `path` from `peer`'s API, with its token, and reads the reply to the end of the connection.
    static func get(_ peer: ProcessCluster.Peer, _ path: String, timeout: Int = 60) throws -> Reply {
        let connection = try open(peer.api, timeout: timeout)
        try connection.send(Array(("GET \(path) HTTP/1.1\r\nHost: \(peer.api)\r\nAuthorization: Bearer \(peer.token)\r\n"
            + "Connection: close\r\n\r\n").utf8))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw CLIFailure(status: -1, stderr: "no HTTP head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
        return Reply(status: status, head: head, body: Array(bytes[(end + 4)...]))
    }

    /// POSTs to `path` on `peer`'s API announcing `announced` bytes, sends only `sent` of them, and closes.
    static func abandonedUpload(_ peer: ProcessCluster.Peer, _ path: String, announced: Int, sent: Int) throws {
        let connection = try open(peer.api, timeout: 10)
        try connection.send(Array(("POST \(path) HTTP/1.1\r\nHost: \(peer.api)\r\nAuthorization: Bearer \(peer.token)\r\n"
            + "Content-Length: \(announced)\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n").utf8))
        var left = sent
        while left > 0 {
            let chunk = Random.bytes(min(left, 1 << 20))
            try connection.send(chunk)
            left -= chunk.count
        }
        shutdown(connection.fd, Int32(SHUT_RDWR))
    }

    static func open(_ api: String, timeout: Int) throws -> RawConnection {
        let port = Int(api.split(separator: ":").last ?? "") ?? 0
        let connection = try RawConnection(port: port)
        var value = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        return connection
    }
}
