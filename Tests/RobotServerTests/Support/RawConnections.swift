import Foundation
import Glibc
import TestSupport

/// Plain TCP connections to robot-server on loopback, watched with `poll(2)` from one task: each one's opening,
/// what it received, and when the server closed it. For the slow-client tests, which need hundreds at once.
final class RawConnections {
    struct Connection {
        let fd: Int32
        let label: String
        let opened: ContinuousClock.Instant
        var received: [UInt8] = []
        var closed: ContinuousClock.Instant?
        /// Seconds from opening to the server's close, if it closed.
        var lifetime: Double? { closed.map { ($0 - opened).seconds } }
        /// The start of what the server sent (its status line).
        var answer: String { String(decoding: received.prefix(64), as: UTF8.self) }
        /// Whether a whole answer (head and `Content-Length` body) has arrived.
        var hasWholeAnswer: Bool {
            let text = String(decoding: received, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n"),
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first(where: { $0.lowercased().hasPrefix("content-length:") })
                    .flatMap({ Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) })
            else { return false }
            return text[end.upperBound...].utf8.count >= length
        }
    }

    let port: UInt16
    private(set) var connections: [Connection] = []

    init(port: UInt16) {
        self.port = port
    }

    deinit {
        for connection in connections where connection.closed == nil { Glibc.close(connection.fd) }
    }

    /// Opens a connection (blocking connect on loopback), then makes it non-blocking; returns its index.
    @discardableResult
    func open(_ label: String, sending bytes: String = "") throws -> Int {
        let fd = try Self.connect(port: port)
        connections.append(Connection(fd: fd, label: label, opened: .now))
        if !bytes.isEmpty { try send(bytes, on: connections.count - 1) }
        return connections.count - 1
    }

    /// Writes `text` on connection `index` (a few bytes: a loopback socket's buffer takes them at once).
    func send(_ text: String, on index: Int) throws {
        let bytes = Array(text.utf8)
        let fd = connections[index].fd
        let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == bytes.count else {
            throw TestSupportError("\(connections[index].label): send failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads whatever has arrived on every open connection, and records the ones the server has closed.
    func poll() {
        var fds = connections.indices.filter { connections[$0].closed == nil }.map {
            pollfd(fd: connections[$0].fd, events: Int16(POLLIN), revents: 0)
        }
        let open = connections.indices.filter { connections[$0].closed == nil }
        guard !fds.isEmpty, Glibc.poll(&fds, nfds_t(fds.count), 0) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (slot, index) in open.enumerated() where fds[slot].revents != 0 {
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(connections[index].fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    connections[index].received += buffer[..<count]
                    continue
                }
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    connections[index].closed = .now
                    Glibc.close(connections[index].fd)
                }
                break
            }
        }
    }

    /// Polls until every connection in `indices` is closed, or `timeout` passes; `tick` runs every 10 ms (to
    /// trickle bytes).
    func waitUntilClosed(
        _ indices: Range<Int>, timeout: Duration, tick: (ContinuousClock.Instant) throws -> Void = { _ in }
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            poll()
            if indices.allSatisfy({ connections[$0].closed != nil }) { return }
            try tick(.now)
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    subscript(index: Int) -> Connection { connections[index] }

    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestSupportError("connect to 127.0.0.1:\(port): \(message)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }
}

/// One `GET /healthz` on a connection of its own (`Connection: close`): the status line and how long the whole
/// answer took, from connect to the server's close.
func probeHealth(port: UInt16, timeout: Duration = .seconds(10)) async throws -> (status: String, seconds: Double) {
    let start = ContinuousClock.now
    let answer = try await rawGet("/healthz", port: port, timeout: timeout)
    let status = answer.split(separator: "\r\n").first.map(String.init) ?? "(no answer)"
    return (status, (ContinuousClock.now - start).seconds)
}

/// A `GET` of `path` on a connection of its own (`Connection: close`): the whole answer, head and body.
func rawGet(_ path: String, port: UInt16, timeout: Duration = .seconds(10)) async throws -> String {
    let probe = RawConnections(port: port)
    let start = ContinuousClock.now
    let index = try probe.open(
        path, sending: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    while probe[index].closed == nil, ContinuousClock.now - start < timeout {
        probe.poll()
        if probe[index].closed == nil { try await Task.sleep(for: .milliseconds(1)) }
    }
    return String(decoding: probe[index].received, as: UTF8.self)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
