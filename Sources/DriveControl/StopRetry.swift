/// What to do after each attempt to stop the motors, as a pure state: a failed stop is never silent and never
/// given up.
///
/// - A failed stop is retried every ``retryInterval`` (50 ms) until one succeeds.
/// - The first failure of a run is reported (a `fault` telemetry event), and so is each escalation.
/// - ``escalationThreshold`` (5) failures in a row — the first attempt and four retries, about 200 ms —
///   escalate: robotd asks systemd to restart it (`WATCHDOG=trigger`; `ExecStopPost=robotd stop-motors` then
///   tries the hardware from a fresh process), or exits non-zero outside systemd. Every further
///   ``escalationThreshold`` failures escalate again, in case the first request was lost.
/// - A success ends the run and says how many attempts had failed.
///
/// No clock inside: the caller performs the retry after the returned delay.
public struct StopRetry: Sendable, Equatable {
    /// Between two attempts at a failed stop.
    public static let retryInterval: Duration = .milliseconds(50)
    /// Failed attempts in a row that escalate (documented in docs/SAFETY.md).
    public static let escalationThreshold = 5

    public enum Action: Sendable, Equatable {
        /// The motors are stopped. `afterFailures` is how many attempts failed before this one (0: none).
        case stopped(afterFailures: Int)
        /// Try again after `delay`. `report`: publish a fault; `escalate`: ask systemd to restart robotd (or
        /// exit non-zero).
        case retry(after: Duration, report: Bool, escalate: Bool)
    }

    /// Between two attempts.
    public let retryInterval: Duration
    /// Failures in a row that escalate.
    public let escalationThreshold: Int
    /// Failed attempts since the last successful stop.
    public private(set) var failuresInARow = 0

    /// The documented policy by default.
    public init(retryInterval: Duration = Self.retryInterval, escalationThreshold: Int = Self.escalationThreshold) {
        precondition(escalationThreshold >= 1, "escalation needs at least one failure")
        self.retryInterval = retryInterval
        self.escalationThreshold = escalationThreshold
    }

    /// Whether the last attempt failed: the motors may still be driving.
    public var isFailing: Bool { failuresInARow > 0 }

    /// An attempt stopped the motors.
    public mutating func succeeded() -> Action {
        defer { failuresInARow = 0 }
        return .stopped(afterFailures: failuresInARow)
    }

    /// An attempt failed.
    public mutating func failed() -> Action {
        failuresInARow += 1
        let escalate = failuresInARow % escalationThreshold == 0
        return .retry(after: retryInterval, report: failuresInARow == 1 || escalate, escalate: escalate)
    }
}
