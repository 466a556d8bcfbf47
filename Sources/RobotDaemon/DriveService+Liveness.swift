/// What the drive loop says about itself when asked — by the systemd watchdog, through the actor, so that
/// an answer proves the actor still handles events in turn.
public struct DriveLiveness: Sendable, Equatable {
    /// ``DriveService/run()`` has stopped the motors and started connecting to the broker.
    public var running: Bool
    /// The broker has accepted the current connection.
    public var connected: Bool
    /// The motors are driving (a command holds).
    public var moving: Bool
    /// How long the current motion has outlived its deadline; nil when it has not. A motion may be a few
    /// milliseconds late while its timer wakes; much more means the drive loop no longer stops the robot.
    public var overdue: Duration?
    /// Valid commands received so far.
    public var commands: Int
    /// Rejected commands so far.
    public var rejected: Int
    /// Failed attempts in a row at stopping the motors (0: the last stop succeeded).
    public var stopFailures: Int
    /// Why the motors cannot be stopped, while they cannot.
    public var fault: String?
    /// The emergency-stop latch is engaged: motions are rejected until a `release`.
    public var estopEngaged: Bool

    public init(
        running: Bool, connected: Bool, moving: Bool, overdue: Duration? = nil, commands: Int = 0, rejected: Int = 0,
        stopFailures: Int = 0, fault: String? = nil, estopEngaged: Bool = false
    ) {
        self.running = running
        self.connected = connected
        self.moving = moving
        self.overdue = overdue
        self.commands = commands
        self.rejected = rejected
        self.stopFailures = stopFailures
        self.fault = fault
        self.estopEngaged = estopEngaged
    }
}

extension DriveService {
    /// The drive loop's state at `now`, read on the actor.
    public func liveness(now: ContinuousClock.Instant = .now) -> DriveLiveness {
        var overdue: Duration?
        var moving = false
        if case .moving(_, _, let deadline, _) = controller.state {
            moving = true
            if now > deadline { overdue = now - deadline }
        }
        return DriveLiveness(
            running: isRunning, connected: client.isConnected, moving: moving, overdue: overdue,
            commands: counters.commands, rejected: counters.rejected, stopFailures: stopRetry.failuresInARow,
            fault: faultReason, estopEngaged: controller.estopEngaged)
    }
}
