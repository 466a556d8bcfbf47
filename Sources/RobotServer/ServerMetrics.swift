public import CoreMetrics
public import Prometheus

/// robot-server's own metrics (Prometheus names): `robot_server_publishes_total{robot}`,
/// `robot_server_publish_failures_total{robot,reason}`, `robot_server_commands_rejected_total{robot}`,
/// `robot_server_broker_connected` (1 or 0) and `robot_server_puback_seconds` (publish → PUBACK).
///
/// Request counts by route and status and the request latency histogram come from ``RequestMetrics``.
public struct ServerMetrics: Sendable {
    private let published: [String: CoreMetrics.Counter]
    private let rejected: [String: CoreMetrics.Counter]
    private let unavailable: [String: CoreMetrics.Counter]
    private let timedOut: [String: CoreMetrics.Counter]
    private let connected: CoreMetrics.Gauge
    private let puback: CoreMetrics.Timer

    /// Makes the metrics of every configured robot up front (the label set is small and fixed).
    public init(robots: [String], factory: any MetricsFactory = MetricsSystem.factory) {
        func counters(_ label: String, _ extra: [(String, String)] = []) -> [String: CoreMetrics.Counter] {
            Dictionary(
                uniqueKeysWithValues: robots.map {
                    ($0, CoreMetrics.Counter(label: label, dimensions: [("robot", $0)] + extra, factory: factory))
                })
        }
        published = counters("robot_server_publishes_total")
        rejected = counters("robot_server_commands_rejected_total")
        unavailable = counters("robot_server_publish_failures_total", [("reason", "broker_unavailable")])
        timedOut = counters("robot_server_publish_failures_total", [("reason", "no_puback")])
        connected = CoreMetrics.Gauge(label: "robot_server_broker_connected", factory: factory)
        puback = CoreMetrics.Timer(label: "robot_server_puback_seconds", factory: factory)
        connected.record(0)
    }

    func published(_ robot: String, after duration: Duration) {
        published[robot]?.increment()
        puback.record(duration: duration)
    }

    func rejected(_ robot: String) { rejected[robot]?.increment() }

    func publishFailed(_ robot: String, brokerUnavailable: Bool) {
        (brokerUnavailable ? unavailable : timedOut)[robot]?.increment()
    }

    func brokerConnected(_ isConnected: Bool) { connected.record(isConnected ? 1 : 0) }

    /// A Prometheus factory for `MetricsSystem.bootstrap`, with millisecond-scale latency buckets.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500),
        ]
        return factory
    }
}
