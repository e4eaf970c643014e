import Foundation

/// A TCP proxy on 127.0.0.1 in front of one port that forwards a single connection and cuts it once `limit`
/// bytes of the answer have passed (or, with `afterHead`, right after the answer's head): a download that
/// fails midway, the same every run.
final class CuttingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let target: Int
    private let limit: Int
    private let afterHead: Bool
    private let done = DispatchSemaphore(value: 0)
    /// The request as it reached the proxy, for checking what a client asked for.
    private(set) var request = [UInt8]()

    init(to target: Int, cutAfter limit: Int = .max, afterHead: Bool = false) throws {
        self.target = target
        self.limit = limit
        self.afterHead = afterHead
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw CLIFailure(status: -1, stderr: "proxy cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { self.serveOne() }
    }

    deinit { close(listener) }

    /// Waits until the proxied connection is over.
    func wait() { done.wait() }

    private func serveOne() {
        defer { done.signal() }
        let client = accept(listener, nil, nil)
        guard client >= 0, let upstream = try? RawConnection(port: target, receiveTimeout: 30) else { return }
        defer { close(client) }
        // The request: up to the end of its head (the CLI's GET has no body).
        var buffer = [UInt8](repeating: 0, count: 65536)
        while request.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        // As a reverse proxy does, it names the peer in `Host`: the peer answers no name but its own.
        let ownHost = Array("Host: 127.0.0.1:\(port)\r\n".utf8)
        var forwarded = request
        if let range = forwarded.firstRange(of: ownHost) {
            forwarded.replaceSubrange(range, with: Array("Host: 127.0.0.1:\(target)\r\n".utf8))
        }
        try? upstream.send(forwarded)
        var passed = 0
        var answer = [UInt8]()
        while passed < limit {
            // Byte by byte while looking for the end of the head, so that not one byte of the body passes.
            let chunk = afterHead ? 1 : buffer.count
            let count = buffer.withUnsafeMutableBytes {
                recv(upstream.fd, $0.baseAddress, min(chunk, limit - passed), 0)
            }
            guard count > 0 else { return }
            if afterHead {
                answer.append(buffer[0])
                if answer.suffix(4).elementsEqual("\r\n\r\n".utf8) {
                    _ = buffer.withUnsafeBytes { send(client, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
                    break
                }
            }
            let sent = buffer.withUnsafeBytes { send(client, $0.baseAddress, count, Int32(MSG_NOSIGNAL)) }
            guard sent == count else { return }
            passed += count
        }
        shutdown(client, Int32(SHUT_RDWR))
    }
}
