import DriveProtocol
import TestSupport
import Testing

/// A retained message on `<thing>/action` is the broker replaying an old command at every (re)connection: the
/// built robotd on a real TLS broker rejects it and never moves.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RetainedCommandTests {
    @Test func aRetainedForwardPublishedBeforeRobotdStartsNeverMovesIt() async throws {
        let robot = try await RobotdHarness.start { operatorClient in
            try await operatorClient.client.publishAndWait(
                topic: "sts-pi/action", payload: Array(#"{"action":"forward","durationMs":5000}"#.utf8), qos: 1,
                retain: true)
        }
        defer { Task { await robot.stop() } }
        let rejected = try await robot.waitForTelemetry("rejected retained") { $0.event == .rejected }
        #expect(rejected.reason == "retained command ignored")
        #expect(rejected.left == 0 && rejected.right == 0)
        #expect(!robot.telemetry.contains { $0.event == .command })
        #expect(!robot.process.output(.any).contains("left=+0.500"), "the simulated motors never moved")

        // A live command still drives.
        try await robot.send(#"{"action":"forward","id":"live"}"#)
        let command = try await robot.waitForTelemetry("command live") { $0.event == .command && $0.id == "live" }
        #expect(command.left == 0.5 && command.right == 0.5)
        _ = try await robot.process.waitUntilOutput(contains: "left=+0.500 right=+0.500")
    }
}
