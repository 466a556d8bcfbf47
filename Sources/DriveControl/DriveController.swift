public import DriveProtocol

/// The drive safety rules as a pure state machine: events in, one action out, time passed in.
///
/// - The latest command wins at once; nothing queues.
/// - Every motion carries a deadline (`durationMs`); when it passes with no newer command, stop.
/// - Stop on `stop`, deadline, disconnect, shutdown, reload, a failed motor write and at start.
/// - A rejected command never touches the motors.
/// - After shutdown begins, commands are ignored.
/// - `estop` stops at once and latches: every motion is then rejected until `release` (which moves nothing).
/// - With ``DriveLimits/maxAcceleration`` the motors ramp towards the target on ``rampTick``; a `stop` and a
///   deadline ramp down at ``DriveLimits/stopRate`` (≤ 100 ms from full); estop, disconnect, shutdown, reload,
///   start and a fault stop at once. ``DriveLimits/maxSpeed`` caps both wheels, keeping the turning ratio.
///
/// The caller performs the actions (motor writes, timers, telemetry, the latch file) and calls ``tick(now:)`` at
/// ``nextTick`` while a ramp is under way; the hardware layer only moves numbers, as in ros2_control where the
/// `cmd_vel` timeout lives in the controller above it.
public struct DriveController<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The ramp's fixed step.
    public static var rampTick: Duration { .milliseconds(20) }

    /// The reason a motion is rejected while the emergency stop is engaged.
    public static var estopRejection: String {
        #"the emergency stop is engaged; send {"action":"release"} to drive again"#
    }

    /// The commanded state. `moving` holds the TARGET throttles (after the speed cap); see ``applied`` for what
    /// the motors were last set to.
    public enum State: Sendable, Equatable {
        case stopped
        case moving(left: Double, right: Double, deadline: Instant, id: String?)
        case shutDown
    }

    public enum Action: Sendable, Equatable {
        /// Set the motors to these throttles and wake ``DriveController/deadlineElapsed(now:)`` at `deadline`.
        case drive(left: Double, right: Double, deadline: Instant, command: DriveCommand)
        /// A ramp is under way towards these target throttles: report `command` with them and arm `deadline`;
        /// the motors follow on ``DriveController/tick(now:)``.
        case retarget(left: Double, right: Double, deadline: Instant, command: DriveCommand)
        /// A ramp step: set the motors to these throttles (both 0: stop them).
        case apply(left: Double, right: Double)
        /// Stop both motors. `wasMoving` says whether this changes the motor state (worth reporting).
        case stop(reason: StopReason, id: String?, wasMoving: Bool)
        /// A `stop` or a deadline while the motors run under a ramp: report the stop now; the motors ramp down to
        /// 0 on ``DriveController/tick(now:)``.
        case rampDown(reason: StopReason, id: String?, wasMoving: Bool)
        /// Stop both motors at once and report the latch engaged with `id`. `newlyEngaged`: it was released
        /// (save the change).
        case emergencyStop(id: String?, newlyEngaged: Bool)
        /// Report the latch released with `id`; moves nothing. `wasEngaged`: it was engaged (save the change).
        case release(id: String?, wasEngaged: Bool)
        /// Report the rejection; leave the motors alone.
        case reject(CommandRejection)
        /// A newer command moved the deadline: wake again at `deadline`.
        case rearm(deadline: Instant)
        /// Nothing to do.
        case none
    }

    public let limits: DriveLimits
    public private(set) var state: State = .stopped
    /// What the motors were last set to: the ramp's position (the target itself without a ramp).
    public internal(set) var applied: Throttles = .zero
    /// Whether the emergency-stop latch is engaged.
    public private(set) var estopEngaged = false
    /// When ``tick(now:)`` is due; nil while no ramp is under way.
    public internal(set) var nextTick: Instant?
    /// The last ramp step (or the ramp's start); nil while no ramp is under way.
    var lastTick: Instant?

    public init(limits: DriveLimits = DriveLimits()) {
        self.limits = limits
    }

    /// The daemon started: whatever the hardware was doing, stop it. `latched`: the latch was saved engaged (or
    /// its file cannot be read: fail safe), so motions stay rejected until a `release`.
    public mutating func started(latched: Bool = false) -> Action {
        state = .stopped
        estopEngaged = latched
        halt()
        return .stop(reason: .start, id: nil, wasMoving: false)
    }

    /// A valid command arrived at `now`.
    public mutating func command(_ command: DriveCommand, now: Instant) -> Action {
        if case .shutDown = state { return .none }
        switch command.intent {
        case .emergencyStop: return emergencyStop(id: command.id)
        case .release: return release(id: command.id)
        case .stop: return stop(.stop, id: command.id, now: now)
        case .motion: break
        }
        if estopEngaged { return .reject(CommandRejection(reason: Self.estopRejection, id: command.id)) }
        let target = limits.capped(Throttles(command.throttles))
        let deadline = now.advanced(by: .milliseconds(command.durationMs))
        state = .moving(left: target.left, right: target.right, deadline: deadline, id: command.id)
        guard limits.maxAcceleration != nil, applied != target else {
            applied = target
            halt(keepingApplied: true)
            return .drive(left: target.left, right: target.right, deadline: deadline, command: command)
        }
        startRamp(now: now)
        return .retarget(left: target.left, right: target.right, deadline: deadline, command: command)
    }

    /// An invalid command arrived: report it, never move.
    public mutating func rejected(_ rejection: CommandRejection) -> Action {
        if case .shutDown = state { return .none }
        return .reject(rejection)
    }

    /// A deadline timer fired at `now` (possibly late, possibly for a superseded deadline).
    public mutating func deadlineElapsed(now: Instant) -> Action {
        guard case .moving(_, _, let deadline, let id) = state else { return .none }
        guard now >= deadline else { return .rearm(deadline: deadline) }
        return stop(.deadline, id: id, now: now)
    }

    /// The MQTT connection dropped.
    public mutating func disconnected() -> Action {
        if case .shutDown = state { return .none }
        return stopAtOnce(.disconnect, id: nil)
    }

    /// Performing ``Action/drive(left:right:deadline:command:)`` or ``Action/apply(left:right:)`` failed: the
    /// motors are in an unknown state and no deadline was armed, so the controller is stopped at once (never
    /// `.moving` without a deadline) and asks for a stop, with the failed command's `id`.
    public mutating func driveFailed() -> Action {
        if case .moving(_, _, _, let id) = state { return stopAtOnce(.fault, id: id) }
        guard state == .stopped, !applied.isZero else { return .none }
        return stopAtOnce(.fault, id: nil)
    }

    /// The configuration was reloaded.
    public mutating func reloaded() -> Action {
        if case .shutDown = state { return .none }
        return stopAtOnce(.reload, id: nil)
    }

    /// Shutdown began: stop, and ignore every later event.
    public mutating func shuttingDown() -> Action {
        let wasMoving = isMoving
        state = .shutDown
        halt()
        return .stop(reason: .shutdown, id: nil, wasMoving: wasMoving)
    }

    public var isMoving: Bool {
        if case .moving = state { return true }
        return false
    }

    /// The throttles the motors are heading for: the current motion's (capped), or 0.
    public var target: Throttles {
        if case .moving(let left, let right, _, _) = state { return Throttles(left: left, right: right) }
        return .zero
    }

    private mutating func emergencyStop(id: String?) -> Action {
        let newlyEngaged = !estopEngaged
        estopEngaged = true
        state = .stopped
        halt()
        return .emergencyStop(id: id, newlyEngaged: newlyEngaged)
    }

    private mutating func release(id: String?) -> Action {
        let wasEngaged = estopEngaged
        estopEngaged = false
        return .release(id: id, wasEngaged: wasEngaged)
    }

    /// A `stop` or a deadline: ramps down when a ramp is configured and the motors run, else at once.
    private mutating func stop(_ reason: StopReason, id: String?, now: Instant) -> Action {
        guard limits.stopRate != nil, !applied.isZero else { return stopAtOnce(reason, id: id) }
        let wasMoving = isMoving
        state = .stopped
        startRamp(now: now)
        return .rampDown(reason: reason, id: id, wasMoving: wasMoving)
    }

    private mutating func stopAtOnce(_ reason: StopReason, id: String?) -> Action {
        let wasMoving = isMoving
        state = .stopped
        halt()
        return .stop(reason: reason, id: id, wasMoving: wasMoving)
    }
}
