import DriveProtocol
import Foundation
import Logging
import MQTT
import TestSupport
import Testing

/// What happens to the motors when the connection or the daemon goes away.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ConnectionTests {
    @Test func brokerKilledWhileDrivingStopsTheMotorsThenDrivingResumesAfterRestart() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"forward","durationMs":3000,"id":"long"}"#)
        try await robot.waitForTelemetry("command") { $0.id == "long" && $0.event == .command }

        try await robot.broker.kill()
        let killed = ContinuousClock.now
        _ = try await robot.process.waitUntilOutput(contains: "MQTT connection lost", timeout: .seconds(3))
        _ = try await robot.process.waitUntilOutput(contains: "left=+0.000 right=+0.000", timeout: .seconds(3))
        let stoppedAfter = ContinuousClock.now - killed
        // Well within durationMs (3 s): the disconnect, not the deadline, stopped the motors.
        #expect(stoppedAfter < .seconds(1), "motors stopped \(stoppedAfter) after the broker died")
        #expect(!robot.process.standardError.contains("reason=deadline"))

        try await Task.sleep(for: .seconds(3))  // let the reconnect back-off reach its cap
        await robot.operatorClient.client.disconnect()
        try await robot.broker.restart()
        let restarted = ContinuousClock.now
        let watcher = MQTTRecorder(
            try MQTTClient(
                options: .local(
                    "operator", pki: robot.pki, port: robot.broker.port,
                    subscriptions: [.init("sts-pi/telemetry", qos: 1)]),
                logger: Logger(label: "operator")))
        try await watcher.waitUntilSubscribed()
        // The second "listening" line is the re-subscription (polled, so the time measured can only be later).
        let resubscribed = try await waitForSecondOccurrence(of: "listening for drive commands", in: robot.process)
        let elapsed = resubscribed - restarted
        #expect(elapsed < .seconds(2), "re-subscribed \(elapsed) after the broker restarted")

        try await watcher.client.publishAndWait(
            topic: "sts-pi/action", payload: Array(#"{"action":"left","id":"again"}"#.utf8))
        let message = try await watcher.message { message in
            (try? Telemetry(from: message.payload)).map { $0.id == "again" && $0.event == .command } ?? false
        }
        let command = try Telemetry(from: message.payload)
        #expect(command.left == -0.5 && command.right == 0.5)
        await watcher.client.disconnect()
    }

    @Test func sigtermWhileDrivingStopsTheMotorsAndSaysOfflineBeforeExiting() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"backwards","durationMs":5000,"id":"b"}"#)
        try await robot.waitForTelemetry("command") { $0.id == "b" && $0.event == .command }

        let termination = try await robot.process.terminate(timeout: .seconds(5))
        #expect(termination == .exited(0))
        let stopped = try await robot.waitForTelemetry("stopped") { $0.event == .stopped }
        #expect(stopped.reason == "shutdown")
        let offline = try await robot.waitForTelemetry("offline") { $0.event == .offline }
        #expect(offline.reason == "shutdown", "a clean shutdown, not the last will")
        #expect(offline.timestamp >= stopped.timestamp)
        let log = robot.process.standardError
        let stopLine = try #require(log.range(of: "left=+0.000 right=+0.000", options: .backwards))
        let exitLine = try #require(log.range(of: "robotd stopped"))
        #expect(stopLine.lowerBound < exitLine.lowerBound, "motors stopped before exit:\n\(log)")
    }

    @Test func killMinusNineLeavesTheLastWill() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        _ = try await robot.process.kill()
        let offline = try await robot.waitForTelemetry("last will") { $0.event == .offline }
        #expect(offline.reason == "connection lost")
        #expect(offline.thingName == "sts-pi")
    }

    @Test func commandsSentWhileOfflineAreNeverReplayed() async throws {
        let robot = try await RobotdHarness.start()
        defer { Task { await robot.stop() } }
        _ = try await robot.process.terminate()
        try await robot.send(#"{"action":"forward","durationMs":5000,"id":"stale"}"#)

        let again = try RobotdHarness.startRobotd(config: robot.configFile)
        defer { Task { _ = try? await again.terminate() } }
        try await robot.waitForTelemetry("online again") { telemetry in
            telemetry.event == .online && robot.telemetry.filter({ $0.event == .online }).count == 2
        }
        try await robot.send(#"{"action":"right","id":"fresh"}"#)
        try await robot.waitForTelemetry("fresh command") { $0.id == "fresh" && $0.event == .command }
        #expect(
            !robot.telemetry.contains { $0.id == "stale" && $0.event == .command }, "a stale command moved the robot")
    }

    private func waitForSecondOccurrence(of text: String, in process: ChildProcess) async throws
        -> ContinuousClock.Instant
    {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if process.standardError.components(separatedBy: text).count - 1 >= 2 { return .now }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestSupportError("robotd did not re-subscribe within 5 s:\n\(process.outputTail())")
    }
}
