import Glibc

/// Noticing a dead path to the broker within seconds, and its return within a second: what an MQTT keep-alive
/// cannot do (libmosquitto closes a connection only after 1.5–2 keep-alive periods of silence, and AWS IoT Core's
/// shortest keep-alive is 30 s), nor TCP's own timers (a connection to a broker behind a router whose uplink was
/// down for 5 s resends on an exponential back-off — 0.2, 0.6, 1.4, 3.0, 6.2 s… — and a connect's SYN at 1, 3, 7 s,
/// so the first packet after the link's return can come seconds later; a home router that lost its NAT mapping
/// meanwhile has made the old connection a dead one that only a packet from our side uncovers).
///
/// With ``MQTTOptions/deadLinkTimeout`` set, each connected socket gets TCP keep-alive probes every second once
/// idle and `TCP_USER_TIMEOUT`: a connection whose data or probes go unanswered that long is closed by the kernel,
/// and libmosquitto reports it lost. Every reconnect then first probes the path (``waitForPath(host:port:while:)``):
/// a plain TCP connect, given up after ``probeTimeout`` and made anew, so a SYN leaves at least once a second and the
/// first one after the link's return finds the broker. The real connect follows at once (`docs/MQTT.md`).
enum DeadLink {
    /// How long one probe waits for the broker's SYN-ACK before a new one is sent.
    static let probeTimeout: Int32 = 1000

    /// Keep-alive probes and the user timeout on a connected socket.
    static func arm(_ socket: Int32, timeout: Duration) {
        guard socket >= 0 else { return }
        var on: Int32 = 1
        var idle: Int32 = 1
        var interval: Int32 = 1
        var userTimeout = UInt32(clamping: max(timeout.milliseconds, 1))
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &userTimeout, size)
    }

    /// Returns once a TCP connect to `host:port` is answered — accepted or refused: the path is there — or
    /// `running` turns false, or the name does not resolve (the real connect then says why). Each try takes at
    /// least ``probeTimeout`` (a network that is unreachable at once is tried again a second later).
    static func waitForPath(host: String, port: Int, while running: () -> Bool) {
        while running() {
            let started = ContinuousClock.now
            guard let answered = probe(host: host, port: port), !answered else { return }
            let rest = .milliseconds(Int(probeTimeout)) - (ContinuousClock.now - started)
            if rest > .zero {
                var request = timespec(tv_sec: 0, tv_nsec: Int(rest.milliseconds) * 1_000_000)
                _ = nanosleep(&request, nil)
            }
        }
    }

    /// Whether the broker answers a TCP connect to any of the host's addresses, each waiting at most
    /// ``probeTimeout``; nil when the name does not resolve.
    static func probe(host: String, port: Int) -> Bool? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else { return nil }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry {
            if answers(address.pointee) { return true }
            entry = address.pointee.ai_next
        }
        return false
    }

    /// Whether a non-blocking connect to `address` is accepted or refused within ``probeTimeout``.
    private static func answers(_ address: addrinfo) -> Bool {
        let socket = Glibc.socket(
            address.ai_family,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            address.ai_protocol)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        if connect(socket, address.ai_addr, address.ai_addrlen) == 0 { return true }
        if errno == ECONNREFUSED { return true }
        guard errno == EINPROGRESS else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, probeTimeout) > 0 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 || error == ECONNREFUSED
    }
}
