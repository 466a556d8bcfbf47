/// Capped exponential back-off: `initial · 2ⁿ` before attempt `n` (0-based), never more than `maximum`.
public struct CappedBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = max(initial, .milliseconds(1))
        self.maximum = max(self.initial, maximum)
    }

    /// The delay before attempt `attempt` (0 for the first retry).
    public func delay(attempt: Int) -> Duration {
        var delay = initial
        for _ in 0..<min(max(attempt, 0), 40) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
