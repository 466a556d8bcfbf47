/// A wheeled base with a left and a right side, each driven by one motor of a ``MotorDriver`` through a
/// ``Wiring`` — so callers think in sides (forward = both positive) and never in motor numbers or lead polarity.
///
/// Not thread-safe, like its driver.
public final class DifferentialBase {
    /// The motors.
    public let driver: any MotorDriver
    /// Which motor drives which side, and which side is reversed.
    public let wiring: Wiring
    /// The left side's throttle last set successfully (−1…1), 0 when stopped.
    public private(set) var left: Double = 0
    /// The right side's throttle last set successfully (−1…1), 0 when stopped.
    public private(set) var right: Double = 0

    /// A base on `driver`, which is expected to be stopped (drivers start stopped).
    public init(driver: any MotorDriver, wiring: Wiring = Wiring()) {
        self.driver = driver
        self.wiring = wiring
    }

    /// Drives the sides at `left` and `right`, each −1…1 (clamped; not-a-number counts as 0). On failure the last
    /// values are kept, and the caller should try ``stop()``.
    public func drive(left: Double, right: Double) throws {
        let left = clampedThrottle(left)
        let right = clampedThrottle(right)
        let motors = wiring.motorThrottles(left: left, right: right)
        try driver.setMotors(motors.motor1, motors.motor2)
        self.left = left
        self.right = right
    }

    /// Stops both sides.
    public func stop() throws {
        try driver.stopAll()
        left = 0
        right = 0
    }
}
