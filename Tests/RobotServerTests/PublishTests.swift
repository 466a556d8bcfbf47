import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

extension EndToEnd {
    /// HTTP → robot-server (built binary) → mosquitto over TLS → robotd (built binary) → simulated motors and
    /// telemetry.
    @Suite(.timeLimit(.minutes(2))) struct PublishTests {
        @Test func theOriginalEndpointDrivesTheDefaultRobot() async throws {
            let harness = try await ServerHarness.start()
            defer { Task { await harness.stop() } }
            let robot = try #require(harness.robot)

            // What the original's curl sends: only the action.
            let answer = try await harness.post("/publish", #"{"action":"forward"}"#)
            #expect(answer.status == 202, "\(answer)")
            #expect(answer.header("Content-Type") == "application/json")
            #expect(answer.json?["topic"] == "sts-pi/action")
            let id = try #require(answer.json?["id"]?.stringValue, "the answer names the command's id: \(answer)")
            #expect(id.hasPrefix("srv-") && id.count <= 64)

            // The server added that id, so the robot's telemetry can be matched to the request.
            let command = try await robot.waitForTelemetry("command \(id)") { $0.event == .command && $0.id == id }
            #expect(command.left == 0.5 && command.right == 0.5)
            try await robot.process.waitUntilOutput(contains: "simulated motors: left=+0.500 right=+0.500")
            let stopped = try await robot.waitForTelemetry("deadline stop") { $0.event == .stopped && $0.id == id }
            #expect(stopped.reason == "deadline")

            // The published payload is the body plus the id, nothing else changed.
            let published = try #require(harness.actions().first)
            #expect(published.topic == "sts-pi/action")
            #expect(try JSONParser.parse(published.payload) == .object([("action", "forward"), ("id", .string(id))]))
        }

        @Test func aClientIDAndEveryFieldArePassedOnUnchanged() async throws {
            let harness = try await ServerHarness.start()
            defer { Task { await harness.stop() } }
            let robot = try #require(harness.robot)
            let body = #"{"left":0.3,"right":-0.7,"durationMs":400,"id":"joy-1","client":"web 2.0"}"#
            let answer = try await harness.post("/publish", body)
            #expect(answer.status == 202, "\(answer)")
            #expect(answer.json == .object([("topic", "sts-pi/action"), ("id", "joy-1")]))
            let command = try await robot.waitForTelemetry("command joy-1") { $0.event == .command && $0.id == "joy-1" }
            #expect(command.left == 0.3 && command.right == -0.7)
            try await robot.process.waitUntilOutput(contains: "left=+0.300 right=-0.700")
            let published = try #require(harness.actions().first)
            #expect(String(decoding: published.payload, as: UTF8.self) == body, "the body is published byte for byte")
        }

        @Test func theFleetEndpointDrivesANamedRobot() async throws {
            let harness = try await ServerHarness.start()
            defer { Task { await harness.stop() } }
            let robot = try #require(harness.robot)

            let answer = try await harness.post("/robots/sts-pi/publish", #"{"action":"left","speed":1,"id":"f1"}"#)
            #expect(answer.status == 202, "\(answer)")
            let command = try await robot.waitForTelemetry("command f1") { $0.event == .command && $0.id == "f1" }
            #expect(command.left == -1 && command.right == 1)
            try await robot.process.waitUntilOutput(contains: "left=-1.000 right=+1.000")

            // Another configured robot (no robotd runs for it): the command reaches its topic.
            let rover = try await harness.post(
                "/robots/rover/publish", #"{"action":"backwards","id":"r1"}"#, token: ServerHarness.fleetToken)
            #expect(rover.status == 202 && rover.json?["topic"] == "rover/action", "\(rover)")
            _ = try await harness.admin.message("rover/action") { $0.topic == "rover/action" }
        }

        @Test func aStreamOfCommandsFromTheAPIStopsAtTheLastDeadline() async throws {
            let harness = try await ServerHarness.start()
            defer { Task { await harness.stop() } }
            let robot = try #require(harness.robot)
            for index in 0..<20 {
                let answer = try await harness.post(
                    "/publish", #"{"action":"forward","durationMs":300,"id":"s\#(index)"}"#)
                #expect(answer.status == 202, "\(answer)")
            }
            let stopped = try await robot.waitForTelemetry("deadline stop") { $0.event == .stopped }
            #expect(stopped.id == "s19" && stopped.reason == "deadline")
            #expect(robot.telemetry.filter { $0.event == .command }.count == 20)
        }
    }
}
