import DriveControl
import DriveProtocol
import Testing

/// The safety rules, with time passed in: no sleeps, no clock.
@Suite struct DriveControllerTests {
    typealias Controller = DriveController<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    func command(_ json: String) throws -> DriveCommand {
        try DriveCommandParser.parse(Array(json.utf8), defaults: DriveDefaults())
    }

    @Test func startStopsWhateverTheHardwareWasDoing() {
        var controller = Controller()
        #expect(controller.started() == .stop(reason: .start, id: nil, wasMoving: false))
        #expect(controller.state == .stopped)
    }

    @Test func forwardDrivesUntilItsDeadline() throws {
        var controller = Controller()
        _ = controller.started()
        let forward = try command(#"{"action":"forward","speed":0.5,"durationMs":300,"id":"a"}"#)
        #expect(
            controller.command(forward, now: t0)
                == .drive(left: 0.5, right: 0.5, deadline: t0 + .milliseconds(300), command: forward))
        #expect(controller.deadlineElapsed(now: t0 + .milliseconds(299)) == .rearm(deadline: t0 + .milliseconds(300)))
        #expect(controller.isMoving)
        #expect(
            controller.deadlineElapsed(now: t0 + .milliseconds(300))
                == .stop(reason: .deadline, id: "a", wasMoving: true))
        #expect(controller.state == .stopped)
        #expect(controller.deadlineElapsed(now: t0 + .milliseconds(400)) == .none)
    }

    @Test func defaultDurationIs200Milliseconds() throws {
        var controller = Controller()
        let action = controller.command(try command(#"{"action":"left"}"#), now: t0)
        guard case .drive(let left, let right, let deadline, _) = action else {
            Issue.record("expected drive, got \(action)")
            return
        }
        #expect(left == -0.5 && right == 0.5)
        #expect(deadline == t0 + .milliseconds(200))
    }

    @Test func latestCommandWinsAndMovesTheDeadline() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward","durationMs":100}"#), now: t0)
        let right = try command(#"{"action":"right","durationMs":100,"id":"last"}"#)
        _ = controller.command(right, now: t0 + .milliseconds(90))
        #expect(controller.state == .moving(left: 0.5, right: -0.5, deadline: t0 + .milliseconds(190), id: "last"))
        // The first command's timer fires: superseded, so it only re-arms.
        #expect(controller.deadlineElapsed(now: t0 + .milliseconds(100)) == .rearm(deadline: t0 + .milliseconds(190)))
        #expect(
            controller.deadlineElapsed(now: t0 + .milliseconds(191))
                == .stop(reason: .deadline, id: "last", wasMoving: true))
    }

    @Test func aShorterNewerCommandShortensTheDeadline() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward","durationMs":5000}"#), now: t0)
        let action = controller.command(
            try command(#"{"action":"backwards","durationMs":50}"#), now: t0 + .milliseconds(10))
        #expect(
            action
                == .drive(
                    left: -0.5, right: -0.5, deadline: t0 + .milliseconds(60),
                    command: try command(#"{"action":"backwards","durationMs":50}"#)))
    }

    @Test func stopCommandStops() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward"}"#), now: t0)
        #expect(
            controller.command(try command(#"{"action":"stop","id":"s"}"#), now: t0)
                == .stop(reason: .stop, id: "s", wasMoving: true))
        #expect(
            controller.command(try command(#"{"action":"stop"}"#), now: t0)
                == .stop(reason: .stop, id: nil, wasMoving: false))
    }

    @Test func zeroDifferentialIsAStop() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"left":0.3,"right":-0.3}"#), now: t0)
        #expect(
            controller.command(try command(#"{"left":0,"right":0}"#), now: t0)
                == .stop(reason: .stop, id: nil, wasMoving: true))
    }

    @Test func rejectionNeverTouchesTheMotors() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward","durationMs":1000}"#), now: t0)
        let before = controller.state
        let rejection = CommandRejection(reason: "unknown action \"fly\"", id: "x")
        #expect(controller.rejected(rejection) == .reject(rejection))
        #expect(controller.state == before)
    }

    @Test func disconnectStopsAndSaysWhetherItWasMoving() throws {
        var controller = Controller()
        #expect(controller.disconnected() == .stop(reason: .disconnect, id: nil, wasMoving: false))
        _ = controller.command(try command(#"{"action":"forward"}"#), now: t0)
        #expect(controller.disconnected() == .stop(reason: .disconnect, id: nil, wasMoving: true))
        #expect(controller.state == .stopped)
    }

    @Test func reloadStops() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward"}"#), now: t0)
        #expect(controller.reloaded() == .stop(reason: .reload, id: nil, wasMoving: true))
    }

    @Test func shutdownStopsAndIgnoresEverythingAfter() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward"}"#), now: t0)
        #expect(controller.shuttingDown() == .stop(reason: .shutdown, id: nil, wasMoving: true))
        #expect(controller.command(try command(#"{"action":"forward"}"#), now: t0) == .none)
        #expect(controller.rejected(CommandRejection(reason: "x", id: nil)) == .none)
        #expect(controller.disconnected() == .none)
        #expect(controller.deadlineElapsed(now: t0 + .seconds(10)) == .none)
        #expect(controller.state == .shutDown)
    }

    @Test func aStreamOfCommandsNeverBuildsABacklog() throws {
        var controller = Controller()
        var now = t0
        for i in 0..<200 {
            let action = controller.command(
                try command(#"{"action":"forward","durationMs":100,"id":"\#(i)"}"#), now: now)
            guard case .drive = action else {
                Issue.record("command \(i) did not drive: \(action)")
                return
            }
            now = now + .milliseconds(20)
        }
        // The state is the last command's, and one deadline after it the robot stops.
        #expect(controller.state == .moving(left: 0.5, right: 0.5, deadline: now + .milliseconds(80), id: "199"))
        #expect(
            controller.deadlineElapsed(now: now + .milliseconds(80))
                == .stop(reason: .deadline, id: "199", wasMoving: true))
    }
}

/// A failed motor write: the controller never stays `.moving` without an armed deadline.
@Suite struct DriveControllerFaultTests {
    typealias Controller = DriveController<ContinuousClock.Instant>
    let t0 = ContinuousClock.now

    @Test func aFailedDriveWriteStopsTheControllerWithTheCommandsID() throws {
        var controller = Controller()
        _ = controller.started()
        let forward = try DriveCommandParser.parse(
            Array(#"{"action":"forward","durationMs":300,"id":"f"}"#.utf8), defaults: DriveDefaults())
        guard case .drive = controller.command(forward, now: t0) else {
            Issue.record("forward should drive")
            return
        }
        #expect(controller.driveFailed() == .stop(reason: .fault, id: "f", wasMoving: true))
        #expect(controller.state == .stopped)
        #expect(controller.deadlineElapsed(now: t0 + .milliseconds(300)) == .none, "no deadline left to fire")
    }

    @Test func aFailedDriveWriteAfterShutdownOrAStopDoesNothing() {
        var controller = Controller()
        _ = controller.started()
        #expect(controller.driveFailed() == .none)
        _ = controller.shuttingDown()
        #expect(controller.driveFailed() == .none)
        #expect(controller.state == .shutDown)
    }
}
