@testable import RobotServer
import Testing

/// What the routes answer about the broker, in process: 202 with the topic and the id once the broker has the
/// command, 503 while robot-server is not connected and when no PUBACK comes, and `/healthz` saying which.
/// (`RobotServerTests`' `BrokerOutageTests` stops a real broker under the built binary.)
@Suite(.timeLimit(.minutes(1))) struct BrokerRouteTests {
    static let joystick = #"{"left":0.3,"right":-0.7,"durationMs":400,"id":"joy-1","client":"web 2.0"}"#

    @Test func anAcknowledgedCommandIs202WithItsTopicAndId() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            let answer = try await harness.post("/publish", Self.joystick)
            #expect(answer.status == 202, "\(answer)")
            #expect(answer.header(.contentType) == "application/json")
            #expect(answer.json == .object([("topic", "sts-pi/action"), ("id", "joy-1")]))
            let rover = try await harness.post(
                "/robots/rover/publish", #"{"action":"backwards","id":"r1"}"#, token: RouteHarness.fleetToken)
            #expect(rover.status == 202 && rover.json?["topic"] == "rover/action", "\(rover)")
            #expect(try await harness.get("/healthz").json == .object([("status", "ok"), ("broker", "connected")]))
        }
        #expect(
            broker.commands == [
                .init(topic: "sts-pi/action", payload: Self.joystick),
                .init(topic: "rover/action", payload: #"{"action":"backwards","id":"r1"}"#),
            ], "the body is published byte for byte")
    }

    @Test func withoutABrokerCommandsAndHealthAre503() async throws {
        try await RouteHarness.run(broker: .unreachable) { harness in
            let refused = try await harness.post("/publish", #"{"action":"forward","id":"while-down"}"#)
            refused.expectError(status: 503, error: "broker unavailable", detail: "not connected to the MQTT broker")
            let unhealthy = try await harness.get("/healthz")
            unhealthy.expectError(status: 503, error: "broker unavailable", detail: "not connected yet")
            let metrics = try await harness.get("/metrics").body
            let failures = #"robot_server_publish_failures_total{robot="sts-pi",reason="broker_unavailable"} 1"#
            #expect(metrics.contains(failures), "\(metrics)")
        }
    }

    @Test func aMissingPubackIs503ThatMayHaveReachedTheRobot() async throws {
        let broker = BrokerStandIn(acknowledges: false)
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            let answer = try await harness.post("/publish", #"{"action":"forward","id":"lost"}"#)
            answer.expectError(
                status: 503, error: "broker unavailable",
                detail:
                    "no acknowledgement from the broker within 2.0 seconds; the command may or may not reach the robot")
            let metrics = try await harness.get("/metrics").body
            let failures = #"robot_server_publish_failures_total{robot="sts-pi",reason="no_puback"} 1"#
            #expect(metrics.contains(failures), "\(metrics)")
        }
        #expect(broker.commands.map(\.topic) == ["sts-pi/action"])
    }

    @Test func metricsCountRequestsByRouteAndStatusAndPublishes() async throws {
        try await RouteHarness.run { harness in
            for _ in 0..<3 {
                #expect(try await harness.post("/publish", #"{"action":"stop"}"#).status == 202)
            }
            #expect(try await harness.post("/publish", #"{"action":"fly"}"#).status == 400)
            #expect(try await harness.post("/publish", "{}", token: nil).status == 401)
            let metrics = try await harness.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header(.contentType)?.hasPrefix("text/plain; version=0.0.4") == true)
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
            #expect(
                lines.contains {
                    $0.hasPrefix(#"robot_server_http_request_duration_seconds_bucket{http_route="/publish""#)
                }
            )
            #expect(lines.contains { $0.hasPrefix("robot_server_puback_seconds_count") })
        }
    }
}
