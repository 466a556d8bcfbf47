/// Keeps a repeated log line from flooding the journal: the first of a run goes out, then at most one per
/// ``interval``, each saying how many were held back since the one before.
///
/// A pure value: the caller passes the time and keeps it under its own lock.
public struct LogThrottle: Sendable, Equatable {
    /// The least time between two lines.
    public let interval: Duration
    private var lastLine: ContinuousClock.Instant?
    private var held = 0

    /// A throttle that lets a line through at most once per `interval`.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// Whether to log now. Returns nil to hold the line back, or how many lines were held back since the last one
    /// that went out (0 for the first).
    public mutating func admit(now: ContinuousClock.Instant) -> Int? {
        if let lastLine, now - lastLine < interval {
            held += 1
            return nil
        }
        lastLine = now
        defer { held = 0 }
        return held
    }

    /// ``admit(now:)`` at the current time.
    public mutating func admit() -> Int? {
        admit(now: .now)
    }
}
