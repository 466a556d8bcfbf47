import DriveProtocol
import TestSupport
import Testing

/// MQTT command → robotd → simulated motors → telemetry, on the built binary and a real TLS broker.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DrivePathTests {
    @Test func eachActionAndTheDirectFormDriveTheMotors() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        let cases: [(String, Double, Double)] = [
            (#"{"action":"forward","id":"c0"}"#, 0.5, 0.5),
            (#"{"action":"backwards","speed":0.8,"id":"c1"}"#, -0.8, -0.8),
            (#"{"action":"backward","id":"c2"}"#, -0.5, -0.5),
            (#"{"action":"left","speed":1,"id":"c3"}"#, -1, 1),
            (#"{"action":"right","speed":0.25,"id":"c4"}"#, 0.25, -0.25),
            (#"{"left":0.3,"right":-0.7,"id":"c5"}"#, 0.3, -0.7),
        ]
        for (index, (json, left, right)) in cases.enumerated() {
            try await robot.send(json)
            let event = try await robot.waitForTelemetry("command c\(index)") {
                $0.event == .command && $0.id == "c\(index)"
            }
            #expect(event.left == left && event.right == right, "\(json)")
            #expect(event.thingName == "sts-pi")
            _ = try await robot.process.waitUntilOutput(contains: "left=\(signed(left)) right=\(signed(right))")
        }
        try await robot.send(#"{"action":"forward","durationMs":5000}"#)
        try await robot.waitForTelemetry("command") { $0.event == .command && $0.id == nil }
        try await robot.send(#"{"action":"stop","id":"s"}"#)
        let stopped = try await robot.waitForTelemetry("stopped by stop") { $0.event == .stopped && $0.id == "s" }
        #expect(stopped.reason == "stop" && stopped.left == 0 && stopped.right == 0)
    }

    @Test func aCommandStopsByItselfAtItsDeadline() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        for durationMs in [150, 400] {
            try await robot.send(#"{"action":"forward","durationMs":\#(durationMs),"id":"d\#(durationMs)"}"#)
            let command = try await robot.waitForTelemetry("command") {
                $0.event == .command && $0.id == "d\(durationMs)"
            }
            let stopped = try await robot.waitForTelemetry("deadline stop") {
                $0.event == .stopped && $0.id == "d\(durationMs)"
            }
            #expect(stopped.reason == "deadline")
            let held = stopped.timestamp.milliseconds(since: command.timestamp)
            #expect(
                held >= Double(durationMs) - 1 && held < Double(durationMs) + 100,
                "held \(held) ms for durationMs \(durationMs)")
        }
    }

    @Test func theDefaultDurationIs200Milliseconds() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"left","id":"x"}"#)
        let command = try await robot.waitForTelemetry("command") { $0.event == .command }
        let stopped = try await robot.waitForTelemetry("deadline stop") { $0.event == .stopped }
        let held = stopped.timestamp.milliseconds(since: command.timestamp)
        #expect(held >= 199 && held < 300, "held \(held) ms")
    }

    @Test func theLatestCommandWinsAndNothingQueues() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        let actions = ["forward", "backwards", "left", "right"]
        for index in 0..<200 {
            // Fire-and-forget, back to back, as a joystick stream would.
            let json = #"{"action":"\#(actions[index % 4])","durationMs":300,"id":"n\#(index)"}"#
            try robot.operatorClient.client.publish(topic: "sts-pi/action", payload: Array(json.utf8), qos: 1)
        }
        let stopped = try await robot.waitForTelemetry("deadline stop after the burst", timeout: .seconds(10)) {
            $0.event == .stopped && $0.reason == "deadline"
        }
        #expect(stopped.id == "n199", "the robot stopped at the last command's deadline")
        let commands = robot.telemetry.filter { $0.event == .command }
        let last = try #require(commands.last)
        #expect(last.id == "n199" && last.left == 0.5 && last.right == -0.5, "ends in the last command's state (right)")
        #expect(commands.count == 200, "every command was applied at once (none dropped, none queued)")
        // No backlog: the stop comes one durationMs after the last command, not after 200 of them.
        let held = stopped.timestamp.milliseconds(since: last.timestamp)
        #expect(held >= 299 && held < 400, "stopped \(held) ms after the last command")
        try await Task.sleep(for: .milliseconds(400))
        #expect(robot.telemetry.last { $0.event == .command }?.id == "n199", "no motion after the deadline")
    }

    private func signed(_ value: Double) -> String {
        let magnitude = String(format: "%.3f", abs(value))
        return (value < 0 ? "-" : "+") + magnitude
    }
}
