import DriveControl
import DriveProtocol
import Hardware
import Logging
import MQTT
import Motors
import RobotDaemon
import ServiceLifecycle
import SystemdNotify
import TestSupport
import Testing

/// A failed stop is never silent: the drive service (in process, on a real TLS broker) drives an Adafruit HAT
/// through a bus that fails on demand in front of the PCA9685 register file, so the tests see the chip's
/// registers (still driving while the stop fails) and when each attempt was made. `MotorFaultEndToEndTests`
/// proves the same on the built binary, with the kernel's side of the bus replaced.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MotorFaultTests {
    /// A drive service running in a service group, with an operator subscribed to its telemetry.
    final class Rig: Sendable {
        let broker: MosquittoBroker
        let operatorClient: MQTTRecorder
        let drive: DriveService
        let group: ServiceGroup
        let run: Task<(any Error)?, Never>

        init(bus: FaultyI2CBus, escalation: MotorFaultEscalation) async throws {
            let pki = try TestPKI.make()
            broker = try await MosquittoBroker.start(pki: pki)
            operatorClient = MQTTRecorder(
                try MQTTClient(
                    options: .local(
                        "operator", pki: pki, port: broker.port, subscriptions: [.init("sts-pi/telemetry", qos: 1)]),
                    logger: Logger(label: "operator")))
            try await operatorClient.waitUntilSubscribed()
            let logger = Logger(label: "robotd")
            let client = try MQTTClient(
                options: .local(
                    "sts-pi", pki: pki, port: broker.port, clientID: "sts-pi",
                    subscriptions: [.init("sts-pi/action", qos: 1)]),
                logger: logger)
            drive = DriveService(
                thingName: "sts-pi", client: client, base: DifferentialBase(driver: try AdafruitMotorHAT(bus: bus)),
                defaults: DriveDefaults(), heartbeat: nil, logger: logger, escalation: escalation)
            let group = ServiceGroup(configuration: .init(services: [.init(service: drive)], logger: logger))
            self.group = group
            run = Task {
                do {
                    try await group.run()
                    return nil
                } catch {
                    return error
                }
            }
            try await waitForTelemetry("online") { $0.event == .online }
        }

        func send(_ json: String) async throws {
            try await operatorClient.client.publishAndWait(topic: "sts-pi/action", payload: Array(json.utf8), qos: 1)
        }

        var telemetry: [Telemetry] {
            operatorClient.messages.filter { $0.topic == "sts-pi/telemetry" }.compactMap {
                try? Telemetry(from: $0.payload)
            }
        }

        @discardableResult
        func waitForTelemetry(
            _ description: String, timeout: Duration = .seconds(5), where match: @Sendable @escaping (Telemetry) -> Bool
        ) async throws -> Telemetry {
            let message = try await operatorClient.message(timeout: timeout, "telemetry \(description)") {
                guard $0.topic == "sts-pi/telemetry", let telemetry = try? Telemetry(from: $0.payload) else {
                    return false
                }
                return match(telemetry)
            }
            return try Telemetry(from: message.payload)
        }

        func stop() async -> (any Error)? {
            await group.triggerGracefulShutdown()
            let error = await run.value
            await operatorClient.client.disconnect()
            try? await broker.stop()
            return error
        }
    }

    static let used = [8, 9, 10, 13, 12, 11]

    @Test func aFailingStopIsRetriedReportedAndEscalatedToSystemdUntilTheBusHeals() async throws {
        let listener = try NotifySocketListener()
        let bus = FaultyI2CBus()
        let rig = try await Rig(
            bus: bus, escalation: .systemd(SystemdNotifier(address: try NotifySocketAddress(listener.address))))
        try await rig.send(#"{"action":"forward","durationMs":5000,"id":"f"}"#)
        try await rig.waitForTelemetry("command f") { $0.event == .command && $0.id == "f" }

        bus.failUntilHealed()
        try await rig.send(#"{"action":"stop","id":"s"}"#)
        let fault = try await rig.waitForTelemetry("fault") { $0.event == .fault }
        let reason = try #require(fault.reason)
        #expect(reason.hasPrefix("cannot stop the motors: 7 of 7 stop writes failed (ALL_LED_OFF, "), "\(reason)")
        #expect(reason.contains("0x60") && reason.contains("/dev/i2c-1") && reason.contains("EREMOTEIO"), "\(reason)")
        #expect(fault.left == 0.5 && fault.right == 0.5, "telemetry says the motors may still be driving")

        let trigger = try await listener.waitFor("WATCHDOG=trigger", timeout: .seconds(5))
        #expect(trigger.assignments.contains { $0.hasPrefix("STATUS=motors cannot be stopped: ") })
        // Attempts of 7 writes each, 50 ms apart; the fifth failure in a row escalates.
        let times = bus.failedWriteTimes
        let attemptStarts = stride(from: 0, to: times.count, by: 7).map { times[$0] }
        #expect(attemptStarts.count >= 5)
        #expect(zip(attemptStarts.dropFirst(), attemptStarts).allSatisfy { $0 - $1 >= .milliseconds(49) })
        #expect(trigger.received - attemptStarts[0] >= .milliseconds(195), "not before the fifth attempt")
        #expect(rig.telemetry.filter { $0.event == .fault }.count >= 2, "the escalation is reported too")
        #expect(!rig.telemetry.contains { $0.event == .stopped }, "never `stopped` while the motors may drive")
        #expect(bus.inspect { $0.channel(8).duty > 0.4 }, "the chip is still driving: the fault is real")
        let liveness = await rig.drive.liveness()
        #expect(liveness.stopFailures >= 5 && liveness.fault == reason)
        #expect(SystemdSupervision.problem(liveness)?.hasPrefix("the motors cannot be stopped: ") == true)

        // While the stop fails, nothing but a stop is accepted.
        try await rig.send(#"{"action":"forward","id":"g"}"#)
        let refused = try await rig.waitForTelemetry("rejected g") { $0.event == .rejected && $0.id == "g" }
        #expect(refused.reason?.hasPrefix("the motors are faulted (cannot stop the motors") == true)

        bus.heal()
        let stopped = try await rig.waitForTelemetry("stopped s") { $0.event == .stopped && $0.id == "s" }
        #expect(stopped.reason == "stop" && stopped.left == 0 && stopped.right == 0)
        #expect(bus.inspect { chip in (0..<16).allSatisfy { chip.channel($0).fullOff } })
        #expect(await rig.drive.liveness().stopFailures == 0)
        try await rig.send(#"{"action":"forward","id":"h"}"#)
        try await rig.waitForTelemetry("command h after healing") { $0.event == .command && $0.id == "h" }
        #expect(await rig.stop() == nil)
    }

    @Test func outsideSystemdAStopThatKeepsFailingEndsTheServiceWithAnError() async throws {
        let bus = FaultyI2CBus()
        let rig = try await Rig(bus: bus, escalation: .exit)
        try await rig.send(#"{"action":"forward","durationMs":5000,"id":"f"}"#)
        try await rig.waitForTelemetry("command f") { $0.event == .command && $0.id == "f" }
        bus.failUntilHealed()
        try await rig.send(#"{"action":"stop","id":"s"}"#)
        let started = ContinuousClock.now
        let error = await rig.run.value
        let fault = try #require(error as? MotorFault, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(fault.reason.contains("0x60") && fault.reason.contains("EREMOTEIO"), "\(fault.reason)")
        #expect(rig.telemetry.contains { $0.event == .fault })
        #expect(!rig.telemetry.contains { $0.event == .stopped })
        _ = await rig.stop()
    }

    @Test func aFailedDriveWriteLeavesTheControllerStoppedAndTheMotorsStopped() async throws {
        let bus = FaultyI2CBus()
        let rig = try await Rig(bus: bus, escalation: .exit)
        bus.failNextWrites(1)
        try await rig.send(#"{"action":"forward","durationMs":5000,"id":"f"}"#)
        let fault = try await rig.waitForTelemetry("fault f") { $0.event == .fault && $0.id == "f" }
        #expect(fault.reason?.hasPrefix("cannot drive the motors: no chip answered at 0x60 on /dev/i2c-1") == true)
        let stopped = try await rig.waitForTelemetry("stopped f") { $0.event == .stopped && $0.id == "f" }
        #expect(stopped.reason == "fault")
        let liveness = await rig.drive.liveness()
        #expect(!liveness.moving, "never `.moving` without an armed deadline")
        #expect(liveness.stopFailures == 0)
        #expect(bus.inspect { chip in Self.used.allSatisfy { chip.channel($0).fullOff } })
        #expect(!rig.telemetry.contains { $0.event == .command })
        #expect(await rig.stop() == nil)
    }
}
