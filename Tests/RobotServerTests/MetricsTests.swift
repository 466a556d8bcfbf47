import Foundation
import NIOHTTP1
import TestSupport
import Testing

extension EndToEnd {
    /// `/metrics` on the built binary (the bootstrapped metrics system), with the broker gauge following a real
    /// broker. What each request and publish counts is in `RobotServerUnitTests`' `BrokerRouteTests`, in process,
    /// and CORS in its `CORSRouteTests`.
    @Suite(.timeLimit(.minutes(2))) struct MetricsTests {
        @Test func metricsCountPublishesAndFollowTheBroker() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            #expect(try await harness.post("/publish", #"{"action":"stop"}"#).status == 202)
            let metrics = try await harness.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = metrics.body.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? {
                lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let route = #"http_route="/publish",http_request_method="POST""#
            #expect(value(#"robot_server_http_requests_total{\#(route),http_response_status_code="202"}"#) == 1)
            #expect(value(#"robot_server_publishes_total{robot="sts-pi"}"#) == 1)
            #expect(value("robot_server_broker_connected") == 1)
            #expect(value("robot_server_puback_seconds_count") == 1)

            try await harness.broker.kill()
            try await harness.server.waitUntilOutput(contains: "MQTT connection lost")
            let down = try await harness.get("/metrics")
            #expect(down.body.contains("robot_server_broker_connected 0"), "\(down.body)")
        }
    }
}
