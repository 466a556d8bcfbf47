/// Why the motors stopped; reported as `reason` on `stopped` telemetry.
public enum StopReason: String, Sendable, Equatable {
    /// The daemon started: motors are initialised to stopped.
    case start
    /// A `stop` command (or a differential command of zero throttle).
    case stop
    /// The current command's `durationMs` passed with no newer command.
    case deadline
    /// The MQTT connection dropped: nobody can steer, so nothing moves.
    case disconnect
    /// SIGTERM/SIGINT: the daemon is shutting down.
    case shutdown
    /// The configuration was reloaded.
    case reload
    /// A motor write failed: the motors are in an unknown state, so they are stopped.
    case fault
}
