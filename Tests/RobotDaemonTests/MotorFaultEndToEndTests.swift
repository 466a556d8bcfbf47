import DriveProtocol
import Foundation
import TestSupport
import Testing

/// The built robotd with `driver: adafruit` on a bus whose kernel side fails on demand: the test preloads
/// `Tests/Fixtures/i2c_fault_injection.c` (LD_PRELOAD), which answers `open`/`ioctl(I2C_SLAVE)`/`write` for
/// `/dev/i2c-97` and fails writes with `EREMOTEIO` while a file exists. The binary, its configuration and its
/// syscall path are the product's; no product setting knows about faults.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MotorFaultEndToEndTests {
    /// A compiled interposer and the file that breaks the bus.
    struct FaultyKernel {
        let library: URL
        let failFile: URL
        let log: URL

        init() async throws {
            let folder = try ScratchDirectory.make("i2c-fault")
            library = folder.appending(path: "libi2cfault.so")
            failFile = folder.appending(path: "fail")
            log = folder.appending(path: "i2c.log")
            let source = RepositoryPaths.fixture("i2c_fault_injection.c").path
            let result = try await ChildProcess.run(
                "/usr/bin/env", ["cc", "-shared", "-fPIC", "-o", library.path, source, "-ldl"])
            guard result.termination == .exited(0) else {
                throw TestSupportError("cannot build the I2C interposer: \(result.standardError)")
            }
        }

        var environment: [String: String] {
            [
                "LD_PRELOAD": library.path, "FAKE_I2C_DEVICE": "/dev/i2c-97", "FAKE_I2C_FAIL_FILE": failFile.path,
                "FAKE_I2C_LOG": log.path,
            ]
        }

        func breakBus() throws { try Data().write(to: failFile) }
        func heal() throws { try FileManager.default.removeItem(at: failFile) }
        /// The writes that reached the fake adapter so far: `ok|fail <hex bytes>`.
        var writes: [String] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    static let motors = #"{"driver":"adafruit","i2cBus":97}"#

    @Test func underSystemdAFailingStopReportsAFaultAndSendsWatchdogTrigger() async throws {
        let kernel = try await FaultyKernel()
        let listener = try NotifySocketListener()
        var environment = kernel.environment
        environment["NOTIFY_SOCKET"] = listener.address
        let robot = try await RobotdHarness.start(motors: Self.motors, environment: environment)
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"forward","durationMs":5000,"id":"f"}"#)
        try await robot.waitForTelemetry("command f") { $0.event == .command && $0.id == "f" }

        try kernel.breakBus()
        try await robot.send(#"{"action":"stop","id":"s"}"#)
        let fault = try await robot.waitForTelemetry("fault") { $0.event == .fault }
        let reason = try #require(fault.reason)
        #expect(reason.hasPrefix("cannot stop the motors: 7 of 7 stop writes failed (ALL_LED_OFF, "), "\(reason)")
        #expect(reason.contains("no chip answered at 0x60 on /dev/i2c-97 (EREMOTEIO)"), "\(reason)")
        let trigger = try await listener.waitFor("WATCHDOG=trigger", timeout: .seconds(5))
        #expect(trigger.senderPID == robot.process.processIdentifier)
        #expect(!robot.telemetry.contains { $0.event == .stopped && $0.id == "s" })
        #expect(kernel.writes.filter { $0 == "fail fc 00 10" }.count >= 5, "ALL_LED_OFF tried at every attempt")

        try kernel.heal()
        let stopped = try await robot.waitForTelemetry("stopped s") { $0.event == .stopped && $0.id == "s" }
        #expect(stopped.reason == "stop")
        #expect(kernel.writes.last == "ok 36 00 00 00 10", "the last stop write (motor 2 IN2, channel 12) went out")
    }

    @Test func outsideSystemdAFailingStopEndsRobotdWithANonZeroStatus() async throws {
        let kernel = try await FaultyKernel()
        let robot = try await RobotdHarness.start(motors: Self.motors, environment: kernel.environment)
        defer { Task { await robot.stop() } }
        try await robot.send(#"{"action":"forward","durationMs":5000,"id":"f"}"#)
        try await robot.waitForTelemetry("command f") { $0.event == .command && $0.id == "f" }
        try kernel.breakBus()
        try await robot.send(#"{"action":"stop","id":"s"}"#)
        let termination = try await robot.process.waitForExit(timeout: .seconds(10))
        #expect(termination == .exited(1))
        #expect(
            robot.process.standardError.contains("Error: cannot stop the motors: "), "\(robot.process.outputTail())")
        #expect(robot.telemetry.contains { $0.event == .fault })
    }

    @Test func stopMotorsTriesEveryChannelAndExitsNonZeroNamingWhatFailed() async throws {
        let kernel = try await FaultyKernel()
        let pki = try TestPKI.make()
        let config = try RobotdHarness.writeConfig(pki: pki, port: 1, motors: Self.motors, heartbeatSeconds: 0)
        let robotd = try RepositoryPaths.product("robotd").path
        let healthy = try await ChildProcess.run(
            robotd, ["stop-motors", "--config", config.path], environment: kernel.environment)
        #expect(healthy.termination == .exited(0), "\(healthy.standardError)")
        #expect(kernel.writes.contains("ok fc 00 10"))

        try kernel.breakBus()
        let broken = try await ChildProcess.run(
            robotd, ["stop-motors", "--config", config.path], environment: kernel.environment)
        #expect(broken.termination == .exited(1))
        #expect(
            broken.standardError.contains(
                "Error: cannot stop the motors: 7 of 7 stop writes failed (ALL_LED_OFF, motor 1 PWM (channel 8), "
                    + "motor 1 IN1 (channel 10), motor 1 IN2 (channel 9), motor 2 PWM (channel 13), "
                    + "motor 2 IN1 (channel 11), motor 2 IN2 (channel 12)): no chip answered at 0x60 on /dev/i2c-97"),
            "\(broken.standardError)")
    }
}
