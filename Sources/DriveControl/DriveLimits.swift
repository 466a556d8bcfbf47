/// Limits on what the motors are asked to do: robotd's `motors.maxAcceleration` and `motors.maxSpeed`.
///
/// The defaults (no ramp, cap 1) leave every command as it came, as before the limits existed.
public struct DriveLimits: Sendable, Equatable {
    /// The slowest a stop or a deadline ramps down, in throttle units per second: full → 0 in at most 100 ms
    /// (the bound documented in docs/SAFETY.md).
    public static let minimumStopRate = 10.0

    /// How fast the applied throttles may change, in throttle units per second (4.0: 0 → full in 250 ms); nil:
    /// every change at once (no ramp).
    public var maxAcceleration: Double?
    /// The largest |throttle| either wheel gets, in (0, 1].
    public var maxSpeed: Double

    public init(maxAcceleration: Double? = nil, maxSpeed: Double = 1) {
        precondition(maxAcceleration.map { $0 > 0 } ?? true, "maxAcceleration must be above 0")
        precondition(maxSpeed > 0 && maxSpeed <= 1, "maxSpeed must be in (0, 1]")
        self.maxAcceleration = maxAcceleration
        self.maxSpeed = maxSpeed
    }

    /// How fast a `stop` or a deadline ramps the motors down: `max(maxAcceleration, 10)` per second; nil without a
    /// ramp.
    public var stopRate: Double? {
        maxAcceleration.map { max($0, Self.minimumStopRate) }
    }

    /// `throttles` scaled by one factor so that neither wheel exceeds ``maxSpeed``: the turning ratio is kept.
    public func capped(_ throttles: Throttles) -> Throttles {
        let largest = max(abs(throttles.left), abs(throttles.right))
        guard largest > maxSpeed else { return throttles }
        return throttles.scaled(by: maxSpeed / largest)
    }
}
