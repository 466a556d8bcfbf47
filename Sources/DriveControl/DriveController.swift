public import DriveProtocol

/// The drive safety rules as a pure state machine: events in, one action out, time passed in.
///
/// - The latest command wins at once; nothing queues.
/// - Every motion carries a deadline (`durationMs`); when it passes with no newer command, stop.
/// - Stop on `stop`, deadline, disconnect, shutdown, reload, a failed motor write and at start.
/// - A rejected command never touches the motors.
/// - After shutdown begins, commands are ignored.
///
/// The caller performs the actions (motor writes, timers, telemetry); the hardware layer only moves
/// numbers, as in ros2_control where the `cmd_vel` timeout lives in the controller above it.
public struct DriveController<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum State: Sendable, Equatable {
        case stopped
        case moving(left: Double, right: Double, deadline: Instant, id: String?)
        case shutDown
    }

    public enum Action: Sendable, Equatable {
        /// Set the motors to these throttles and wake ``DriveController/deadlineElapsed(now:)`` at `deadline`.
        case drive(left: Double, right: Double, deadline: Instant, command: DriveCommand)
        /// Stop both motors. `wasMoving` says whether this changes the motor state (worth reporting).
        case stop(reason: StopReason, id: String?, wasMoving: Bool)
        /// Report the rejection; leave the motors alone.
        case reject(CommandRejection)
        /// A newer command moved the deadline: wake again at `deadline`.
        case rearm(deadline: Instant)
        /// Nothing to do.
        case none
    }

    public private(set) var state: State = .stopped

    public init() {}

    /// The daemon started: whatever the hardware was doing, stop it.
    public mutating func started() -> Action {
        state = .stopped
        return .stop(reason: .start, id: nil, wasMoving: false)
    }

    /// A valid command arrived at `now`.
    public mutating func command(_ command: DriveCommand, now: Instant) -> Action {
        if case .shutDown = state { return .none }
        if command.isStop {
            return stop(.stop, id: command.id)
        }
        let (left, right) = command.throttles
        let deadline = now.advanced(by: .milliseconds(command.durationMs))
        state = .moving(left: left, right: right, deadline: deadline, id: command.id)
        return .drive(left: left, right: right, deadline: deadline, command: command)
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
        return stop(.deadline, id: id)
    }

    /// The MQTT connection dropped.
    public mutating func disconnected() -> Action {
        if case .shutDown = state { return .none }
        return stop(.disconnect, id: nil)
    }

    /// Performing ``Action/drive(left:right:deadline:command:)`` failed: the motors are in an unknown state and
    /// no deadline was armed, so the controller is stopped at once (never `.moving` without a deadline) and asks
    /// for a stop, with the failed command's `id`.
    public mutating func driveFailed() -> Action {
        guard case .moving(_, _, _, let id) = state else { return .none }
        return stop(.fault, id: id)
    }

    /// The configuration was reloaded.
    public mutating func reloaded() -> Action {
        if case .shutDown = state { return .none }
        return stop(.reload, id: nil)
    }

    /// Shutdown began: stop, and ignore every later event.
    public mutating func shuttingDown() -> Action {
        let wasMoving = isMoving
        state = .shutDown
        return .stop(reason: .shutdown, id: nil, wasMoving: wasMoving)
    }

    public var isMoving: Bool {
        if case .moving = state { return true }
        return false
    }

    private mutating func stop(_ reason: StopReason, id: String?) -> Action {
        let wasMoving = isMoving
        state = .stopped
        return .stop(reason: reason, id: id, wasMoving: wasMoving)
    }
}
