import DriveProtocol
import Foundation
import StrictJSON
import TestSupport
import Testing

/// The emergency stop and the ramp on the built robotd, a real TLS broker and the simulated motors.
@Suite(.serialized, .timeLimit(.minutes(2))) struct EstopEndToEndTests {
    static let engagedReason = #"the emergency stop is engaged; send {"action":"release"} to drive again"#

    func latchFile(_ robot: RobotdHarness) -> URL {
        robot.configFile.deletingLastPathComponent().appending(path: "state/estop.json")
    }

    /// Stops `process` and starts robotd again on the same config (so the same `stateDirectory`), waiting for
    /// its `online`.
    func restart(_ robot: RobotdHarness, after process: ChildProcess) async throws -> (ChildProcess, Telemetry) {
        _ = try await process.terminate()
        robot.operatorClient.clear()
        let restarted = try RobotdHarness.startRobotd(config: robot.configFile)
        let online = try await robot.waitForTelemetry("online after the restart") { $0.event == .online }
        return (restarted, online)
    }

    @Test func theLatchRejectsMotionsSurvivesARestartAndIsReleasedOnPurpose() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        // The robotd running now (restarted twice); stopped however the scenario ends.
        var process = robot.process
        do {
            try await latchScenario(robot, process: &process)
        } catch {
            _ = try? await process.terminate()
            throw error
        }
        _ = try? await process.terminate()
    }

    func latchScenario(_ robot: RobotdHarness, process: inout ChildProcess) async throws {
        let online = try #require(robot.telemetry.first { $0.event == .online })
        #expect(online.extra["estop"] == .bool(false), "online carries the latch")

        try await robot.send(#"{"action":"forward","durationMs":5000,"id":"f1"}"#)
        let command = try await robot.waitForTelemetry("command f1") { $0.event == .command && $0.id == "f1" }
        #expect(command.extra["estop"] == .bool(false))
        try await robot.process.waitUntilOutput(contains: "left=+0.500 right=+0.500")

        try await robot.send(#"{"action":"estop","id":"e1"}"#)
        let engaged = try await robot.waitForTelemetry("estop e1") { $0.event == .estop && $0.id == "e1" }
        #expect(engaged.reason == "engaged" && engaged.extra["estop"] == .bool(true))
        #expect(engaged.left == 0 && engaged.right == 0)
        #expect(robot.process.output(.any).contains("left=+0.000 right=+0.000"), "the motors stopped before the answer")
        let saved = try JSONParser.parse(Array(try Data(contentsOf: latchFile(robot))))
        #expect(saved["engaged"] == .bool(true) && saved["id"] == .string("e1"))
        let mode = try FileManager.default.attributesOfItem(atPath: latchFile(robot).path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        try await robot.send(#"{"action":"forward","id":"f2"}"#)
        let rejected = try await robot.waitForTelemetry("rejected f2") { $0.event == .rejected && $0.id == "f2" }
        #expect(rejected.reason == Self.engagedReason && rejected.extra["estop"] == .bool(true))
        try await robot.send(#"{"action":"stop","id":"s1"}"#)
        let stopped = try await robot.waitForTelemetry("stopped s1") { $0.event == .stopped && $0.id == "s1" }
        #expect(stopped.extra["estop"] == .bool(true), "a stop is accepted while latched")

        // robotd restarted on the same state directory: still latched, and says so from its first message.
        var online2: Telemetry
        (process, online2) = try await restart(robot, after: process)
        #expect(online2.extra["estop"] == .bool(true))
        try await process.waitUntilOutput(contains: "emergency stop engaged since")
        try await robot.send(#"{"action":"forward","id":"f3"}"#)
        let rejectedAgain = try await robot.waitForTelemetry("rejected f3") { $0.event == .rejected && $0.id == "f3" }
        #expect(rejectedAgain.reason == Self.engagedReason)

        try await robot.send(#"{"action":"release","id":"r1"}"#)
        let released = try await robot.waitForTelemetry("estop r1") { $0.event == .estop && $0.id == "r1" }
        #expect(released.reason == "released" && released.extra["estop"] == .bool(false))
        #expect(!process.output(.any).contains("left=+0.500"), "a release moves nothing")
        try await robot.send(#"{"action":"forward","durationMs":300,"id":"f4"}"#)
        let moving = try await robot.waitForTelemetry("command f4") { $0.event == .command && $0.id == "f4" }
        #expect(moving.left == 0.5 && moving.right == 0.5 && moving.extra["estop"] == .bool(false))
        try await process.waitUntilOutput(contains: "left=+0.500 right=+0.500")

        // A latch file that cannot be understood latches (fail safe) and the log names it.
        try "{not json".write(to: latchFile(robot), atomically: false, encoding: .utf8)
        var online3: Telemetry
        (process, online3) = try await restart(robot, after: process)
        #expect(online3.extra["estop"] == .bool(true))
        try await process.waitUntilOutput(contains: "the emergency stop file \(latchFile(robot).path) is unusable")
        try await robot.send(#"{"action":"forward","id":"f5"}"#)
        try await robot.waitForTelemetry("rejected f5") { $0.event == .rejected && $0.id == "f5" }
    }

    @Test func theMotorsRampWhileTelemetryReportsTheTarget() async throws {
        let robot = try await RobotdHarness.start(motors: #"{"driver":"simulated","maxAcceleration":4}"#)
        defer { Task { await robot.stop() } }
        let sent = ContinuousClock.now
        try await robot.send(#"{"action":"forward","speed":1,"durationMs":2000,"id":"r"}"#)
        let command = try await robot.waitForTelemetry("command r") { $0.event == .command && $0.id == "r" }
        #expect(command.left == 1 && command.right == 1, "telemetry reports the target")
        try await robot.process.waitUntilOutput(contains: "left=+1.000 right=+1.000")
        let reached = ContinuousClock.now - sent
        // 13 steps of 0.08 on a 20 ms tick: 260 ms from the command; it can only be later, never sooner.
        #expect(reached >= .milliseconds(240), "full throttle after \(reached)")
        // Each step is at most two ticks' worth (0.16: a late tick never jumps), both wheels together.
        let logged = motorSteps(robot.process.output(.any))
        expectRamp([(0, 0)] + logged, from: 0, to: 1, largestStep: 0.16)

        try await robot.send(#"{"action":"stop","id":"s"}"#)
        let stopped = try await robot.waitForTelemetry("stopped s") { $0.event == .stopped && $0.id == "s" }
        #expect(stopped.reason == "stop" && stopped.left == 0, "the stop is reported at once")
        try await robot.process.waitUntilOutput(contains: "left=+0.000 right=+0.000")
        // max(4, 10) per second: 0.2 per tick, 0 within 100 ms (0.4 at most for a late tick).
        let down = Array(motorSteps(robot.process.output(.any)).dropFirst(logged.count - 1))
        expectRamp(down, from: 1, to: 0, largestStep: 0.4)
    }

    @Test func aStateDirectoryThatCannotBeUsedIsAnErrorNamingTheKey() async throws {
        let pki = try TestPKI.make()
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: 1, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0,
            sections: #""stateDirectory":"/nonexistent-parent/robot""#)
        let process = try RobotdHarness.startRobotd(config: config)
        #expect(try await process.waitForExit() == .exited(1))
        #expect(
            process.output(.any).contains(
                "Error: stateDirectory: cannot use /nonexistent-parent/robot: No such file or directory"),
            "\(process.outputTail())")
    }

    /// The simulated motors' values in the order robotd logged them (`simulated motors: left=+0.080 right=+0.080`).
    func motorSteps(_ output: String) -> [(left: Double, right: Double)] {
        output.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "simulated motors: left=") else { return nil }
            let fields = line[start.upperBound...].split(separator: " ")
            guard fields.count >= 2, let left = Double(fields[0]),
                let right = Double(fields[1].replacingOccurrences(of: "right=", with: ""))
            else { return nil }
            return (left, right)
        }
    }

    /// `steps` (both wheels equal) go from `from` to `to` monotonically in steps of at most `largestStep`, and more
    /// than one step.
    func expectRamp(
        _ steps: [(left: Double, right: Double)], from: Double, to: Double, largestStep: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let values = steps.map(\.left)
        #expect(steps.allSatisfy { $0.left == $0.right }, "\(steps)", sourceLocation: sourceLocation)
        #expect(values.first == from && values.last == to, "\(values)", sourceLocation: sourceLocation)
        #expect(
            values.count >= Int((abs(to - from) / largestStep).rounded(.up)) + 1, "\(values)",
            sourceLocation: sourceLocation)
        for (a, b) in zip(values, values.dropFirst()) {
            let step = (b - a) * (to > from ? 1 : -1)
            #expect(
                step > 0 && step <= largestStep + 0.001, "step \(a) → \(b) in \(values)", sourceLocation: sourceLocation
            )
        }
    }
}
