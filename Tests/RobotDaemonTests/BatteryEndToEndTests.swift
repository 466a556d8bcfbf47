import DriveProtocol
import StrictJSON
import TestSupport
import Testing

/// The battery on the built robotd and a real TLS broker, with the simulated sensor: a `battery`/`low` event for
/// the first reading below `lowVolts`, and the reading in every heartbeat.
@Suite(.serialized, .timeLimit(.minutes(1))) struct BatteryEndToEndTests {
    @Test func aLowBatteryIsAnnouncedOnceAndCarriedInHeartbeats() async throws {
        let robot = try await RobotdHarness.start(
            heartbeatSeconds: 1,
            sections: #""battery":{"sensor":"simulated","volts":6.4,"lowVolts":6.8,"intervalSeconds":1,"#
                + #""fullVolts":8.4,"emptyVolts":6.4}"#)
        defer { Task { await robot.stop() } }
        let expected = JSONValue.object(["volts": .number(6.4), "level": .number(0), "low": .bool(true)])
        let low = try await robot.waitForTelemetry("battery low") { $0.event == .battery }
        #expect(low.reason == "low")
        #expect(low.extra["battery"] == expected)
        _ = try await robot.process.waitUntilOutput(contains: "battery low: 6.4 V is below battery.lowVolts (6.8 V)")
        // Two heartbeats: the reading rides along, and no second low event came meanwhile.
        try await robot.waitForTelemetry("first heartbeat") { $0.event == .heartbeat }
        let heartbeat = try await robot.waitForTelemetry("second heartbeat") {
            $0.event == .heartbeat && $0.timestamp.milliseconds(since: low.timestamp) > 1000
        }
        #expect(heartbeat.extra["battery"] == expected)
        #expect(robot.telemetry.filter { $0.event == .battery }.count == 1)
    }
}
