import Basics
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
/// and libmosquitto reports it lost. Every reconnect then first probes the path (`PathProbe.waitForPath`): a plain
/// TCP connect, given up after a second and made anew, so a SYN leaves at least once a second and the first one
/// after the link's return finds the broker. The real connect follows at once (`docs/MQTT.md`).
enum DeadLink {
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
}
