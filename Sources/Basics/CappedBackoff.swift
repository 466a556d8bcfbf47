/// Capped exponential back-off: `initial · 2ⁿ` before attempt `n` (0-based), never more than `maximum`,
/// optionally shortened by a random fraction up to `jitter` so that a fleet that lost its broker at the same
/// moment does not retry in lock-step.
public struct CappedBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// Fraction of the delay that is randomised, 0…1 (0: every delay is exact).
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, jitter: Double = 0) {
        self.initial = max(initial, .milliseconds(1))
        self.maximum = max(self.initial, maximum)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before attempt `attempt` (0 for the first retry), given a random number in 0…1.
    public func delay(attempt: Int, random: Double) -> Duration {
        var delay = initial
        for _ in 0..<min(max(attempt, 0), 40) {
            delay *= 2
            if delay >= maximum {
                delay = maximum
                break
            }
        }
        return min(delay, maximum) * (1 - jitter * min(max(random, 0), 1))
    }

    /// The delay before attempt `attempt`, with system randomness for the jitter.
    public func delay(attempt: Int) -> Duration {
        jitter == 0 ? delay(attempt: attempt, random: 0) : delay(attempt: attempt, random: Double.random(in: 0...1))
    }
}
