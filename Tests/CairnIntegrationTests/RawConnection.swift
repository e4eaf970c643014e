import Foundation

/// A plain TCP socket for sending bytes that no well-behaved peer would send.
final class RawConnection {
    let fd: Int32

    /// `receiveTimeout` defaults to 3 s: shorter than the handshake timeout (10 s), so only a prompt refusal
    /// counts as closed.
    init(port: Int, receiveTimeout: Int = 3) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw CLIFailure(status: -1, stderr: "cannot connect to 127.0.0.1:\(port)")
        }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw CLIFailure(status: -1, stderr: "send failed") }
    }

    /// Reads until the peer closes (true) or the receive timeout passes (false). Any handshake bytes the peer
    /// sends first are skipped.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// True when the peer has closed the connection by now (whatever it sent first is read and dropped);
    /// never waits.
    func isClosedNow() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    /// Everything the peer sends until it closes or the receive timeout passes.
    func readToEnd() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return out }
            out += buffer[..<count]
        }
    }

    static func isClosedAfterSending(_ bytes: [UInt8], port: Int) throws -> Bool {
        let connection = try RawConnection(port: port)
        try? connection.send(bytes)
        return connection.waitForClose()
    }
}
