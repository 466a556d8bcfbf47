import DriveControl
import DriveProtocol
import Testing

/// The emergency-stop latch, with time passed in.
@Suite struct DriveControllerLatchTests {
    typealias Controller = DriveController<ContinuousClock.Instant>
    let t0 = ContinuousClock.now
    let reason = #"the emergency stop is engaged; send {"action":"release"} to drive again"#

    func command(_ json: String) throws -> DriveCommand {
        try DriveCommandParser.parse(Array(json.utf8), defaults: DriveDefaults())
    }

    @Test func estopStopsAtOnceAndRejectsEveryMotionUntilRelease() throws {
        var controller = Controller()
        _ = controller.started()
        _ = controller.command(try command(#"{"action":"forward","durationMs":1000}"#), now: t0)
        #expect(
            controller.command(try command(#"{"action":"estop","id":"e1"}"#), now: t0)
                == .emergencyStop(id: "e1", newlyEngaged: true))
        #expect(controller.state == .stopped && controller.estopEngaged)
        #expect(controller.deadlineElapsed(now: t0 + .seconds(1)) == .none, "the motion's deadline is gone")
        for json in [
            #"{"action":"forward","id":"m"}"#, #"{"action":"left","id":"m"}"#, #"{"left":0.2,"right":-0.1,"id":"m"}"#,
        ] {
            #expect(
                controller.command(try command(json), now: t0) == .reject(CommandRejection(reason: reason, id: "m")))
        }
        #expect(controller.state == .stopped)
        // A stop is accepted while latched, as always.
        #expect(
            controller.command(try command(#"{"action":"stop","id":"s"}"#), now: t0)
                == .stop(reason: .stop, id: "s", wasMoving: false))
        #expect(
            controller.command(try command(#"{"action":"release","id":"r"}"#), now: t0)
                == .release(id: "r", wasEngaged: true))
        #expect(!controller.estopEngaged)
        let forward = try command(#"{"action":"forward","id":"f"}"#)
        #expect(
            controller.command(forward, now: t0)
                == .drive(left: 0.5, right: 0.5, deadline: t0 + .milliseconds(200), command: forward))
    }

    @Test func estopAndReleaseAreIdempotentAndAnswerEachID() throws {
        var controller = Controller()
        let steps: [(String, Controller.Action)] = [
            (#"{"action":"release","id":"r0"}"#, .release(id: "r0", wasEngaged: false)),
            (#"{"action":"estop","id":"e1"}"#, .emergencyStop(id: "e1", newlyEngaged: true)),
            (#"{"action":"estop","id":"e2"}"#, .emergencyStop(id: "e2", newlyEngaged: false)),
            (#"{"action":"release","id":"r1"}"#, .release(id: "r1", wasEngaged: true)),
            (#"{"action":"release","id":"r2"}"#, .release(id: "r2", wasEngaged: false)),
        ]
        for (json, expected) in steps {
            #expect(controller.command(try command(json), now: t0) == expected, "\(json)")
        }
        #expect(!controller.estopEngaged)
    }

    @Test func aRestartWithTheLatchSavedStaysLatched() throws {
        var controller = Controller()
        #expect(controller.started(latched: true) == .stop(reason: .start, id: nil, wasMoving: false))
        #expect(controller.estopEngaged)
        let forward = try command(#"{"action":"forward","id":"f"}"#)
        #expect(controller.command(forward, now: t0) == .reject(CommandRejection(reason: reason, id: "f")))
        #expect(
            controller.command(try command(#"{"action":"release"}"#), now: t0) == .release(id: nil, wasEngaged: true))
        guard case .drive = controller.command(forward, now: t0) else {
            Issue.record("forward should drive after the release")
            return
        }
        // A restart without the latch saved starts released.
        var fresh = Controller()
        _ = fresh.started(latched: false)
        #expect(!fresh.estopEngaged)
    }

    @Test func estopUnderARampIsImmediate() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":1000}"#), now: t0)
        _ = controller.tick(now: t0 + .milliseconds(20))
        _ = controller.tick(now: t0 + .milliseconds(40))
        #expect(controller.applied != .zero)
        #expect(
            controller.command(try command(#"{"action":"estop"}"#), now: t0 + .milliseconds(50))
                == .emergencyStop(id: nil, newlyEngaged: true))
        #expect(controller.applied == .zero && controller.nextTick == nil)
        #expect(controller.tick(now: t0 + .milliseconds(60)) == .none)
    }

    @Test func afterShutdownEstopAndReleaseAreIgnored() throws {
        var controller = Controller()
        _ = controller.shuttingDown()
        #expect(controller.command(try command(#"{"action":"estop"}"#), now: t0) == .none)
        #expect(controller.command(try command(#"{"action":"release"}"#), now: t0) == .none)
    }
}
