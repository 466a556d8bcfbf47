import Foundation
import TestSupport
import Testing

/// The real robotd under a fake systemd: the test binds the notification socket, starts robotd with
/// `NOTIFY_SOCKET` and `WATCHDOG_USEC` as systemd would for `Type=notify` + `WatchdogSec=`, and reads what
/// arrives — `READY=1` after start-up, `WATCHDOG=1` at half the timeout, `STOPPING=1` on SIGTERM — and checks
/// the kernel names robotd's main process as the sender (what `NotifyAccess=main` accepts).
@Suite(.timeLimit(.minutes(2))) struct RobotdNotifyTests {
    struct Robot {
        let broker: MosquittoBroker
        let listener: NotifySocketListener
        let process: ChildProcess
        let started: ContinuousClock.Instant
    }

    func startRobotd(abstract: Bool = true, watchdogUsec: String? = "200000") async throws -> Robot {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: broker.port, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0)
        let listener = try NotifySocketListener(abstract: abstract)
        var environment = ["NOTIFY_SOCKET": listener.address]
        environment["WATCHDOG_USEC"] = watchdogUsec
        let started = ContinuousClock.now
        let process = try ChildProcess.start(
            try RepositoryPaths.product("robotd").path,
            ["run", "--config", config.path, "--log-level", "debug"], environment: environment)
        return Robot(broker: broker, listener: listener, process: process, started: started)
    }

    @Test func readyComesAfterStartUpThenWatchdogPingsAtHalfTheTimeoutThenStoppingOnSigterm() async throws {
        let robot = try await startRobotd()
        let ready = try await robot.listener.waitFor("READY=1")
        #expect(ready.senderPID == robot.process.processIdentifier, "sent by robotd's main process")
        #expect(
            ready.assignments.contains { $0.hasPrefix("STATUS=") && $0.contains("localhost:\(robot.broker.port)") },
            "READY carries a status naming the broker: \(ready.text)")
        // READY means the motors were stopped and the broker connection attempted (the connect follows at once).
        try await robot.process.waitUntilOutput(contains: "connected to the MQTT broker")
        #expect(robot.listener.notifications.first?.assignments.contains("READY=1") == true, "READY comes first")

        // Count pings over a 2 s window: WATCHDOG_USEC=200000 → one every 100 ms → about 20.
        let windowStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let windowEnd = ContinuousClock.now
        let pings = robot.listener.notifications.filter {
            $0.assignments.contains("WATCHDOG=1") && $0.received >= windowStart && $0.received < windowEnd
        }
        #expect((12...28).contains(pings.count), "\(pings.count) pings in 2 s at a 100 ms interval")
        let gaps = zip(pings.dropFirst(), pings).map { $0.received - $1.received }
        let longest = gaps.max() ?? .zero
        #expect(longest < .milliseconds(200), "never as long as the 200 ms watchdog timeout without a ping: \(longest)")
        #expect(pings.allSatisfy { $0.senderPID == robot.process.processIdentifier })

        robot.process.signal(SIGTERM)
        let stopping = try await robot.listener.waitFor("STOPPING=1")
        #expect(stopping.senderPID == robot.process.processIdentifier)
        let termination = try await robot.process.waitForExit()
        #expect(termination == .exited(0), "\(robot.process.outputTail())")
        // STOPPING=1 goes out as shutdown begins: before the motors stop and the offline telemetry.
        let log = robot.process.standardError
        #expect(log.contains("shutting down: stopping motors"))
        let afterStopping = robot.listener.notifications.drop { !$0.assignments.contains("STOPPING=1") }.dropFirst()
        #expect(!afterStopping.contains { $0.assignments.contains("WATCHDOG=1") }, "no pings once stopping")
    }

    @Test func aSocketFileWorksAsWellAsAnAbstractName() async throws {
        let robot = try await startRobotd(abstract: false)
        try await robot.listener.waitFor("READY=1")
        try await robot.listener.waitFor("WATCHDOG=1")
        robot.process.signal(SIGTERM)
        try await robot.listener.waitFor("STOPPING=1")
        #expect(try await robot.process.waitForExit() == .exited(0))
    }

    @Test func withoutWatchdogUsecThereAreNoPings() async throws {
        let robot = try await startRobotd(watchdogUsec: nil)
        try await robot.listener.waitFor("READY=1")
        try await Task.sleep(for: .milliseconds(500))
        #expect(!robot.listener.notifications.contains { $0.assignments.contains("WATCHDOG=1") })
        robot.process.signal(SIGINT)
        try await robot.listener.waitFor("STOPPING=1")
        #expect(try await robot.process.waitForExit() == .exited(0))
    }

    @Test func aBadNotifySocketIsOneLineAndExitStatusOne() async throws {
        let pki = try TestPKI.make()
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: 1, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0)
        let result = try await ChildProcess.run(
            try RepositoryPaths.product("robotd").path, ["run", "--config", config.path],
            environment: ["NOTIFY_SOCKET": "run/notify"], timeout: .seconds(20))
        #expect(result.termination == .exited(1))
        #expect(
            result.standardError.contains(
                "Error: NOTIFY_SOCKET=run/notify: expected an absolute path or an @abstract name"),
            "\(result.standardError)")
    }

    @Test func aConfigErrorSendsNoReady() async throws {
        let listener = try NotifySocketListener()
        let result = try await ChildProcess.run(
            try RepositoryPaths.product("robotd").path, ["run", "--config", "/nonexistent/config.json"],
            environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "200000"], timeout: .seconds(20))
        #expect(result.termination == .exited(1))
        try await Task.sleep(for: .milliseconds(100))
        #expect(listener.notifications.isEmpty, "systemd sees the start fail, not a ready service")
    }
}
