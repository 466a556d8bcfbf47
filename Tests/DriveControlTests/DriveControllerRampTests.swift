import DriveControl
import DriveProtocol
import Testing

/// The acceleration ramp and the speed cap, with time passed in: values at each tick, no clock.
@Suite struct DriveControllerRampTests {
    typealias Controller = DriveController<ContinuousClock.Instant>
    let t0 = ContinuousClock.now
    let tick = Controller.rampTick

    func command(_ json: String) throws -> DriveCommand {
        try DriveCommandParser.parse(Array(json.utf8), defaults: DriveDefaults())
    }

    /// The applied throttles after each tick at `rampTick` spacing from `start`, until the ramp ends (at most 60).
    func ticks(_ controller: inout Controller, from start: ContinuousClock.Instant) -> [Throttles] {
        var applied: [Throttles] = []
        var now = start
        while let due = controller.nextTick, applied.count < 60 {
            #expect(due == now + tick, "the next tick is one rampTick after the last")
            now = due
            guard case .apply(let left, let right) = controller.tick(now: now) else {
                Issue.record("a tick should apply a step")
                break
            }
            applied.append(Throttles(left: left, right: right))
        }
        return applied
    }

    /// `count` values from `start` (exclusive) in steps of `step`, then `end`.
    func line(_ count: Int, from start: (Double, Double), by step: (Double, Double), to end: (Double, Double))
        -> [(Double, Double)]
    {
        let values: [(Double, Double)] = (1...count).map { (n: Int) -> (Double, Double) in
            let k = Double(n)
            return (start.0 + step.0 * k, start.1 + step.1 * k)
        }
        return values + [end]
    }

    func expectClose(
        _ actual: [Throttles], _ expected: [(Double, Double)], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, "\(actual)", sourceLocation: sourceLocation)
        for (got, (left, right)) in zip(actual, expected) {
            #expect(
                abs(got.left - left) < 1e-9 && abs(got.right - right) < 1e-9, "\(got) ≠ (\(left), \(right))",
                sourceLocation: sourceLocation)
        }
    }

    @Test func fullForwardAt4PerSecondReachesFullIn13Ticks() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        let forward = try command(#"{"action":"forward","speed":1,"durationMs":1000,"id":"f"}"#)
        // Telemetry reports the target at once; the motors start from 0 and follow on the ticks.
        #expect(
            controller.command(forward, now: t0)
                == .retarget(left: 1, right: 1, deadline: t0 + .seconds(1), command: forward))
        #expect(controller.applied == .zero && controller.nextTick == t0 + tick)
        let steps = ticks(&controller, from: t0)
        // 0.08 per 20 ms: 0.08, 0.16 … 0.96 at 240 ms, then 1 at 260 ms.
        expectClose(steps, line(12, from: (0, 0), by: (0.08, 0.08), to: (1, 1)))
        #expect(controller.nextTick == nil && controller.applied == Throttles(left: 1, right: 1))
        // A repeated command at full speed writes the motors at once, as without a ramp.
        let again = try command(#"{"action":"forward","speed":1,"durationMs":1000}"#)
        #expect(
            controller.command(again, now: t0 + .milliseconds(300))
                == .drive(left: 1, right: 1, deadline: t0 + .milliseconds(1300), command: again))
    }

    @Test func lateTicksMoveByTheTimeElapsedCappedAtTwoTicks() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":2000}"#), now: t0)
        #expect(controller.tick(now: t0 + .milliseconds(20)) == .apply(left: 0.08, right: 0.08))
        // 25 ms late by 5: 0.1 more.
        guard case .apply(let left, _) = controller.tick(now: t0 + .milliseconds(45)) else {
            return #expect(Bool(false))
        }
        #expect(abs(left - 0.18) < 1e-9)
        #expect(controller.nextTick == t0 + .milliseconds(65))
        // 100 ms late: never more than two ticks' worth (0.16), so a stalled timer cannot make the wheels jump.
        guard case .apply(let late, _) = controller.tick(now: t0 + .milliseconds(145)) else {
            return #expect(Bool(false))
        }
        #expect(abs(late - 0.34) < 1e-9)
    }

    @Test func aReversalRampsThroughZeroAtTheSameRate() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":5000}"#), now: t0)
        let rampUp = ticks(&controller, from: t0)
        let reversed = t0 + tick * rampUp.count
        let back = try command(#"{"action":"backwards","speed":1,"durationMs":5000}"#)
        #expect(
            controller.command(back, now: reversed)
                == .retarget(left: -1, right: -1, deadline: reversed + .seconds(5), command: back))
        // From +1 to −1 at 0.08 per tick: 25 ticks (500 ms), both wheels equal all the way.
        expectClose(ticks(&controller, from: reversed), line(24, from: (1, 1), by: (-0.08, -0.08), to: (-1, -1)))
    }

    @Test func bothWheelsArriveTogether() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"left":1,"right":0.5,"durationMs":1000}"#), now: t0)
        expectClose(ticks(&controller, from: t0), line(12, from: (0, 0), by: (0.08, 0.04), to: (1, 0.5)))
    }

    @Test func aNewTargetMidRampKeepsTheTickGoing() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":1000}"#), now: t0)
        _ = controller.tick(now: t0 + .milliseconds(20))
        let slower = try command(#"{"action":"forward","speed":0.1,"durationMs":1000}"#)
        #expect(
            controller.command(slower, now: t0 + .milliseconds(30))
                == .retarget(left: 0.1, right: 0.1, deadline: t0 + .milliseconds(1030), command: slower))
        #expect(controller.nextTick == t0 + .milliseconds(40), "the ramp's grid is kept")
        #expect(controller.tick(now: t0 + .milliseconds(40)) == .apply(left: 0.1, right: 0.1))
        #expect(controller.nextTick == nil)
    }

    @Test func aStopRampsDownWithin100Milliseconds() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":5000}"#), now: t0)
        let full = t0 + tick * ticks(&controller, from: t0).count
        #expect(
            controller.command(try command(#"{"action":"stop","id":"s"}"#), now: full)
                == .rampDown(reason: .stop, id: "s", wasMoving: true))
        #expect(controller.state == .stopped)
        // max(4, 10) per second: 0.2 per tick, 0 after 5 ticks (100 ms).
        expectClose(ticks(&controller, from: full), [(0.8, 0.8), (0.6, 0.6), (0.4, 0.4), (0.2, 0.2), (0, 0)])
        #expect(controller.applied == .zero && controller.nextTick == nil)
    }

    @Test func aDeadlineRampsDownAtTheFasterOfTheTwoRates() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 25))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":100,"id":"d"}"#), now: t0)
        #expect(ticks(&controller, from: t0).count == 2, "25 per second: 0.5, 1")
        let deadline = t0 + .milliseconds(100)
        #expect(controller.deadlineElapsed(now: deadline) == .rampDown(reason: .deadline, id: "d", wasMoving: true))
        expectClose(ticks(&controller, from: deadline), [(0.5, 0.5), (0, 0)])
    }

    @Test func disconnectShutdownReloadAndFaultsStopAtOnce() throws {
        let forward = try command(#"{"action":"forward","speed":1,"durationMs":1000,"id":"f"}"#)
        let events: [(String, (inout Controller) -> Controller.Action, Controller.Action)] = [
            ("disconnect", { $0.disconnected() }, .stop(reason: .disconnect, id: nil, wasMoving: true)),
            ("shutdown", { $0.shuttingDown() }, .stop(reason: .shutdown, id: nil, wasMoving: true)),
            ("reload", { $0.reloaded() }, .stop(reason: .reload, id: nil, wasMoving: true)),
            ("fault", { $0.driveFailed() }, .stop(reason: .fault, id: "f", wasMoving: true)),
            ("start", { $0.started() }, .stop(reason: .start, id: nil, wasMoving: false)),
        ]
        for (name, event, expected) in events {
            var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
            _ = controller.command(forward, now: t0)
            _ = controller.tick(now: t0 + tick)
            _ = controller.tick(now: t0 + tick * 2)
            #expect(event(&controller) == expected, "\(name)")
            #expect(controller.applied == .zero && controller.nextTick == nil, "\(name) stops without a ramp")
        }
    }

    @Test func aFailedStepDuringTheRampDownStopsAtOnce() throws {
        var controller = Controller(limits: DriveLimits(maxAcceleration: 4))
        _ = controller.command(try command(#"{"action":"forward","speed":1,"durationMs":1000}"#), now: t0)
        _ = controller.tick(now: t0 + tick)
        _ = controller.command(try command(#"{"action":"stop"}"#), now: t0 + tick)
        #expect(controller.driveFailed() == .stop(reason: .fault, id: nil, wasMoving: false))
        #expect(controller.applied == .zero && controller.nextTick == nil)
    }

    @Test func withoutARampEveryChangeIsImmediate() throws {
        var controller = Controller()
        _ = controller.command(try command(#"{"action":"forward","speed":1}"#), now: t0)
        #expect(controller.nextTick == nil && controller.applied == Throttles(left: 1, right: 1))
        #expect(
            controller.command(try command(#"{"action":"stop"}"#), now: t0)
                == .stop(reason: .stop, id: nil, wasMoving: true))
        #expect(controller.tick(now: t0 + tick) == .none)
    }
}

/// `motors.maxSpeed`: both wheels scaled by one factor, the turning ratio kept.
@Suite struct DriveLimitsTests {
    typealias Controller = DriveController<ContinuousClock.Instant>

    @Test func theCapScalesBothWheelsTogether() {
        let limits = DriveLimits(maxSpeed: 0.6)
        #expect(limits.capped(Throttles(left: 1, right: 1)) == Throttles(left: 0.6, right: 0.6))
        let turn = limits.capped(Throttles(left: 1, right: 0.5))
        #expect(abs(turn.left - 0.6) < 1e-12 && abs(turn.right - 0.3) < 1e-12)
        let spin = limits.capped(Throttles(left: -1, right: 0.8))
        #expect(abs(spin.left + 0.6) < 1e-12 && abs(spin.right - 0.48) < 1e-12)
        #expect(limits.capped(Throttles(left: 0.3, right: -0.4)) == Throttles(left: 0.3, right: -0.4), "under the cap")
    }

    @Test func commandsAreCappedAndReportTheCappedTarget() throws {
        var controller = Controller(limits: DriveLimits(maxSpeed: 0.5))
        let t0 = ContinuousClock.now
        let left = try DriveCommandParser.parse(Array(#"{"action":"left","speed":1}"#.utf8), defaults: DriveDefaults())
        #expect(
            controller.command(left, now: t0)
                == .drive(left: -0.5, right: 0.5, deadline: t0 + .milliseconds(200), command: left))
    }

    @Test func theStopRateIsAtLeast10PerSecond() {
        #expect(DriveLimits().stopRate == nil)
        #expect(DriveLimits(maxAcceleration: 4).stopRate == 10)
        #expect(DriveLimits(maxAcceleration: 25).stopRate == 25)
    }
}
