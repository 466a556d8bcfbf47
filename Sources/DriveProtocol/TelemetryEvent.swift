/// What a telemetry message on `<thing>/telemetry` reports.
public enum TelemetryEvent: String, Sendable, CaseIterable {
    /// `robotd` connected; motors are stopped.
    case online
    /// A command was accepted and the motors changed.
    case command
    /// The motors stopped; `reason` says why (`deadline`, `stop`, `disconnect`, `shutdown`…).
    case stopped
    /// A command was dropped; `reason` says why.
    case rejected
    /// The periodic "still here" message.
    case heartbeat
    /// `robotd` went away (the MQTT last will, or a clean shutdown).
    case offline
    /// The video producer changed state.
    case video
    /// The motors cannot be driven or stopped; `reason` names the device, the address and the `errno`.
    case fault
    /// The emergency-stop latch changed: `reason` is `engaged` or `released` (every message robotd sends also
    /// carries the latch state as `"estop": true|false`).
    case estop
    /// The battery crossed its warning threshold: `reason` is `low` or `ok`, with the reading as `battery`.
    case battery
}
