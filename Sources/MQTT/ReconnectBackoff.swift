/// Capped exponential back-off with jitter for reconnection attempts.
///
/// The delay before attempt `n` (0-based, counted since the last successful connection) is
/// `min(maximum, initial · 2ⁿ)` scaled by a random factor in `1 − jitter … 1`, so a fleet that lost
/// its broker at the same moment does not reconnect in lock-step.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// Fraction of the delay that is randomised, 0…1.
    public var jitter: Double

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .milliseconds(1500), jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before reconnection attempt `attempt`, given a random number in 0…1.
    public func delay(attempt: Int, random: Double) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        let base = min(maximum, initial * (1 << exponent))
        let factor = 1 - jitter * min(max(random, 0), 1)
        return base * factor
    }

    /// The delay before reconnection attempt `attempt` with system randomness.
    public func delay(attempt: Int) -> Duration {
        delay(attempt: attempt, random: Double.random(in: 0...1))
    }
}
