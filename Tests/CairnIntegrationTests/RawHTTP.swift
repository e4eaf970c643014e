import Foundation

/// One HTTP/1.1 exchange over a plain socket, for requests the CLI never sends (HEAD, ranges, raw bytes in a
/// query) and for reading exactly what came back.
struct RawHTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum RawHTTP {
    /// Which token a request carries.
    enum Credential {
        case peersOwn
        case none
        case token(String)
    }

    /// Sends `method path` to `peer`'s API with `Connection: close` and reads the answer to its end. The request
    /// carries the peer's own address as `Host` unless `headers` gives another, and the peer's API token unless
    /// `credential` says otherwise.
    static func request(_ peer: ProcessCluster.Peer, _ method: String, _ path: String, headers: [String: String] = [:],
                        credential: Credential = .peersOwn, body: [UInt8] = []) throws -> RawHTTPResponse {
        let token: String? = switch credential {
        case .peersOwn: peer.token
        case .none: nil
        case .token(let token): token
        }
        return try request(port: peer.apiPort, method, path, headers: headers, token: token, body: body)
    }

    /// Sends `method path` to the API on `port` as `request(_:_:_:)` does.
    static func request(port: Int, _ method: String, _ path: String, headers: [String: String] = [:],
                        token: String?, body: [UInt8] = []) throws -> RawHTTPResponse {
        let connection = try RawConnection(port: port, receiveTimeout: 30)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(headers["Host"] ?? "127.0.0.1:\(port)")\r\n"
            + "Connection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers where name != "Host" { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try connection.send(Array((head + "\r\n").utf8) + body)
        let bytes = connection.readToEnd()
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw CLIFailure(status: -1, stderr: "no HTTP head in \(bytes.count) bytes")
        }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return RawHTTPResponse(status: status, headers: fields, body: Array(bytes[end.upperBound...]))
    }
}
