public import Logging

/// How loudly to log a client's failed connection attempts: the first of a run is worth a warning, repeating it at
/// every retry (about once a second at the capped back-off) is not — so only every `every`-th after it is a
/// warning, the others are debug lines. A connection starts a new run.
///
/// A pure value: feed it the client's events (``MQTTClient/events``) and log `.connectFailed` at the level it
/// returns.
public struct ConnectFailureLog: Sendable, Equatable {
    /// Every how many failures one is a warning again.
    public let every: Int
    /// Failed attempts since the last connection.
    public private(set) var failures = 0

    public init(every: Int = 60) {
        self.every = max(every, 1)
    }

    /// Counts `event`: `.connected` starts a new run; `.connectFailed` returns the level to log it at (nil for any
    /// other event).
    public mutating func level(for event: MQTTEvent) -> Logger.Level? {
        switch event {
        case .connected:
            failures = 0
            return nil
        case .connectFailed:
            failures += 1
            return failures == 1 || failures % every == 0 ? .warning : .debug
        case .subscribed, .subscriptionRefused, .message, .connectionLost:
            return nil
        }
    }
}
