import Foundation
import NIOHTTP1
import TestSupport
import Testing

extension EndToEnd {
    /// `/healthz`, `/metrics` and CORS on the built binary.
    @Suite(.timeLimit(.minutes(2))) struct HealthMetricsCORSTests {
        @Test func metricsCountRequestsByRouteAndStatusAndPublishes() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            for _ in 0..<3 {
                #expect(try await harness.post("/publish", #"{"action":"stop"}"#).status == 202)
            }
            #expect(try await harness.post("/publish", #"{"action":"fly"}"#).status == 400)
            #expect(try await harness.post("/publish", "{}", token: nil).status == 401)
            let metrics = try await harness.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = metrics.body.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? {
                lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let route = #"http_route="/publish",http_request_method="POST""#
            #expect(value(#"robot_server_http_requests_total{\#(route),http_response_status_code="202"}"#) == 3)
            #expect(value(#"robot_server_http_requests_total{\#(route),http_response_status_code="400"}"#) == 1)
            #expect(value(#"robot_server_http_requests_total{\#(route),http_response_status_code="401"}"#) == 1)
            #expect(value(#"robot_server_publishes_total{robot="sts-pi"}"#) == 3)
            #expect(value(#"robot_server_commands_rejected_total{robot="sts-pi"}"#) == 1)
            #expect(value("robot_server_broker_connected") == 1)
            #expect(
                lines.contains {
                    $0.hasPrefix(#"robot_server_http_request_duration_seconds_bucket{http_route="/publish""#)
                }
            )
            #expect(lines.contains { $0.hasPrefix("robot_server_puback_seconds_count") })

            try await harness.broker.kill()
            try await harness.server.waitUntilOutput(contains: "MQTT connection lost")
            let down = try await harness.get("/metrics")
            #expect(down.body.contains("robot_server_broker_connected 0"), "\(down.body)")
        }

        @Test func corsAnswersPreflightsForConfiguredOriginsOnly() async throws {
            let harness = try await ServerHarness.start(
                robotd: false, extra: #""cors":{"allowedOrigins":["https://app.example.test"],"maxAgeSeconds":120}"#)
            defer { Task { await harness.stop() } }
            let preflight = try await HTTPAnswer.send(
                .OPTIONS, harness.baseURL + "/publish",
                headers: [
                    ("Origin", "https://app.example.test"), ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "authorization, content-type"),
                ])
            #expect(preflight.status == 204, "\(preflight)")
            #expect(preflight.header("Access-Control-Allow-Origin") == "https://app.example.test")
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            #expect(preflight.header("Access-Control-Max-Age") == "120")

            let stranger = try await HTTPAnswer.send(
                .OPTIONS, harness.baseURL + "/publish",
                headers: [("Origin", "https://evil.example.test"), ("Access-Control-Request-Method", "POST")])
            #expect(stranger.header("Access-Control-Allow-Origin") == nil)

            // The browser can read the answers, errors included.
            let origin = [("Origin", "https://app.example.test")]
            let accepted = try await harness.post("/publish", #"{"action":"stop"}"#, headers: origin)
            #expect(
                accepted.status == 202 && accepted.header("Access-Control-Allow-Origin") == "https://app.example.test")
            let refused = try await harness.post("/publish", #"{"action":"stop"}"#, token: nil, headers: origin)
            #expect(
                refused.status == 401 && refused.header("Access-Control-Allow-Origin") == "https://app.example.test")
        }

        @Test func corsWithAStarAllowsAnyOrigin() async throws {
            let harness = try await ServerHarness.start(robotd: false, extra: #""cors":{"allowedOrigins":["*"]}"#)
            defer { Task { await harness.stop() } }
            let answer = try await harness.post(
                "/publish", #"{"action":"stop"}"#, headers: [("Origin", "https://anywhere.example.test")])
            #expect(answer.status == 202 && answer.header("Access-Control-Allow-Origin") == "*")
            // Without a cors section there are no CORS headers at all.
            let plain = try await ServerHarness.start(robotd: false)
            defer { Task { await plain.stop() } }
            let none = try await plain.post("/publish", #"{"action":"stop"}"#, headers: [("Origin", "https://a.test")])
            #expect(none.status == 202 && none.header("Access-Control-Allow-Origin") == nil)
        }
    }
}
