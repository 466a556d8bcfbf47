import CoreMetrics
import Synchronization

/// Counts robot-server's open HTTP connections (WebSockets included) against `listen.maxConnections`.
///
/// Shared by every connection's ``ConnectionGuard``: a connection is admitted when it opens if fewer than the cap
/// are open, and released when it closes. Exposed as `robot_server_http_connections` (open now) and
/// `robot_server_http_connections_closed_total{reason="over_capacity"|"request_head_timeout"}`.
final class ConnectionGate: Sendable {
    /// Why the server closed a connection before serving it.
    enum Refusal: String, Sendable {
        /// `listen.maxConnections` were open already.
        case overCapacity = "over_capacity"
        /// The first request head was not complete within `listen.requestHeadTimeoutSeconds`.
        case requestHeadTimeout = "request_head_timeout"
    }

    let maxConnections: Int
    private let open = Atomic<Int>(0)
    private let gauge: CoreMetrics.Gauge
    private let refusals: [Refusal: CoreMetrics.Counter]

    init(maxConnections: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        self.maxConnections = maxConnections
        gauge = CoreMetrics.Gauge(label: "robot_server_http_connections", factory: factory)
        refusals = Dictionary(
            uniqueKeysWithValues: [Refusal.overCapacity, .requestHeadTimeout].map {
                (
                    $0,
                    CoreMetrics.Counter(
                        label: "robot_server_http_connections_closed_total", dimensions: [("reason", $0.rawValue)],
                        factory: factory)
                )
            })
        gauge.record(0)
    }

    /// Connections open now.
    var openConnections: Int { open.load(ordering: .relaxed) }

    /// A connection opened: true if it may stay (it then holds a slot until ``release()``).
    func admit() -> Bool {
        let (_, now) = open.wrappingAdd(1, ordering: .relaxed)
        guard now <= maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refusals[.overCapacity]?.increment()
            return false
        }
        gauge.record(now)
        return true
    }

    /// An admitted connection closed.
    func release() {
        let (_, now) = open.wrappingSubtract(1, ordering: .relaxed)
        gauge.record(now)
    }

    /// A connection timed out before its first request head was complete.
    func timedOut() {
        refusals[.requestHeadTimeout]?.increment()
    }
}
