import Glibc

/// Whether the network path to a server is there: a plain TCP connect to each of its addresses, answered — accepted or
/// refused — within ``timeout``. Used before reconnecting after an outage (robotd's MQTT connection, robot-webrtc's
/// signaling socket): the first SYN after the link's return is then a probe's, within a second, instead of waiting
/// out TCP's SYN back-off (1, 3, 7 s…) in a connect that started while the link was down (`docs/MQTT.md`,
/// "A dead path"). A probe opens and closes a TCP connection before any TLS; a server may log it.
public enum PathProbe {
    /// How long one probe waits for an answer.
    public static let timeout: Duration = .seconds(1)

    /// Blocks until the server answers a probe, `running` turns false, or its name does not resolve (the real connect
    /// then says why). Each try takes at least ``timeout``: a network unreachable at once is tried a second later.
    public static func waitForPath(host: String, port: Int, while running: () -> Bool) {
        while running() {
            let started = ContinuousClock.now
            guard var probe = Probe(host: host, port: port) else { return }
            if probe.answered(waitingMilliseconds: Int32(timeout.milliseconds)) { return }
            probe.close()
            sleepOut(timeout - (ContinuousClock.now - started))
        }
    }

    /// As ``waitForPath(host:port:while:)`` without blocking a thread: returns when the server answers, the name
    /// does not resolve, or the task is cancelled.
    public static func waitForPath(host: String, port: Int) async {
        while !Task.isCancelled {
            let deadline = ContinuousClock.now + timeout
            guard var probe = Probe(host: host, port: port) else { return }
            defer { probe.close() }
            while ContinuousClock.now < deadline {
                if probe.answered(waitingMilliseconds: 0) { return }
                guard (try? await Task.sleep(for: .milliseconds(20))) != nil else { return }
            }
        }
    }

    /// One probe: whether `host:port` answers within ``timeout``; nil when the name does not resolve.
    public static func answers(host: String, port: Int) -> Bool? {
        guard var probe = Probe(host: host, port: port) else { return nil }
        defer { probe.close() }
        return probe.answered(waitingMilliseconds: Int32(timeout.milliseconds))
    }

    private static func sleepOut(_ rest: Duration) {
        guard rest > .zero else { return }
        var request = timespec(tv_sec: 0, tv_nsec: Int(rest.milliseconds) * 1_000_000)
        _ = nanosleep(&request, nil)
    }

    /// Non-blocking connects to every address of a name, started at once.
    private struct Probe {
        var sockets: [Int32] = []
        /// A connect accepted or refused at once.
        var answeredAtOnce = false

        init?(host: String, port: Int) {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else { return nil }
            defer { freeaddrinfo(list) }
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let address = entry?.pointee {
                entry = address.ai_next
                let socket = Glibc.socket(
                    address.ai_family,
                    Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                    address.ai_protocol)
                guard socket >= 0 else { continue }
                if connect(socket, address.ai_addr, address.ai_addrlen) == 0 || errno == ECONNREFUSED {
                    answeredAtOnce = true
                    Glibc.close(socket)
                } else if errno == EINPROGRESS {
                    sockets.append(socket)
                } else {
                    Glibc.close(socket)
                }
            }
        }

        /// Whether any connect was accepted or refused, waiting up to `milliseconds` for one.
        mutating func answered(waitingMilliseconds milliseconds: Int32) -> Bool {
            if answeredAtOnce { return true }
            guard !sockets.isEmpty else { return false }
            var descriptors = sockets.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), milliseconds) > 0 else { return false }
            for descriptor in descriptors where descriptor.revents != 0 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(descriptor.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 || error == ECONNREFUSED { return true }
            }
            return false
        }

        mutating func close() {
            for socket in sockets { Glibc.close(socket) }
            sockets = []
        }
    }
}
