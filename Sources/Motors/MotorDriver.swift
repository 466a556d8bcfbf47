/// Two DC motors driven by throttle, the layer between a motor board (PCA9685 + TB6612, GPIO + DRV8833, or a
/// simulation) and a wheeled base. It only moves numbers: safety (deadlines, stop on disconnect) lives above.
///
/// Drivers start with both motors stopped. They are not thread-safe: one owner (thread or actor) drives them.
public protocol MotorDriver: AnyObject {
    /// The hardware behind the driver, e.g. `Adafruit Motor HAT (PCA9685 at 0x60 on /dev/i2c-1)`.
    var description: String { get }

    /// Sets both motors' throttles, each −1…1 (clamped): the sign is the direction, the magnitude the speed, and
    /// 0 releases the motor (it coasts). Not-a-number counts as 0.
    func setMotors(_ motor1: Double, _ motor2: Double) throws

    /// Stops (releases) both motors, whatever their state; calling it again does no harm.
    func stopAll() throws
}

/// Turns a requested throttle into a safe one: clamped to −1…1, not-a-number → 0.
func clampedThrottle(_ throttle: Double) -> Double {
    throttle.isNaN ? 0 : min(1, max(-1, throttle))
}
