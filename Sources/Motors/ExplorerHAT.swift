public import Hardware

/// The Pimoroni Explorer HAT (Pro)'s motor outputs: a DRV8833 dual H-bridge on four GPIO lines (BCM numbering):
/// motor 1 forward 20, backward 19; motor 2 forward 26, backward 21.
///
/// A speed drives software PWM on the forward line (backward line low) or, when negative, on the backward line
/// (forward line low); 0 sets both low (coast). Pimoroni's library uses 100 Hz; higher frequencies (e.g. 200 Hz)
/// are quieter and smoother at the cost of a little more CPU. Not thread-safe itself (one owner drives it), but
/// its PWM runs on its own thread.
public final class ExplorerHAT: MotorDriver {
    /// The GPIO lines in request order: motor 1 forward, motor 1 backward, motor 2 forward, motor 2 backward.
    public static let lineOffsets: [UInt32] = [20, 19, 26, 21]
    /// Pimoroni's software PWM frequency.
    public static let defaultFrequency = 100.0

    /// The PWM on the four lines.
    public let pwm: SoftwarePWM
    private let lines: String

    /// E.g. `Explorer HAT (DRV8833 on GPIO 20,19,26,21 of /dev/gpiochip0, 100 Hz software PWM)`.
    public var description: String {
        "Explorer HAT (DRV8833 on \(lines), \(Int(pwm.frequency)) Hz software PWM)"
    }

    /// Drives the four lines of `outputs` (in ``lineOffsets`` order) at `frequency`, both motors stopped.
    public init(outputs: any GPIOOutputs, frequency: Double = 100) throws {
        precondition(outputs.lineCount == 4, "the Explorer HAT drives four GPIO lines")
        pwm = try SoftwarePWM(outputs: outputs, frequency: frequency)
        if let linux = outputs as? LinuxGPIOOutputs {
            lines = "GPIO \(linux.offsets.map(String.init).joined(separator: ",")) of \(linux.chipPath)"
        } else {
            lines = "GPIO"
        }
    }

    /// Requests GPIO 20, 19, 26 and 21 of `chip` as outputs and drives them at `frequency`, both motors stopped.
    public convenience init(chip: String = "/dev/gpiochip0", frequency: Double = 100) throws {
        try self.init(outputs: LinuxGPIOOutputs(chip: chip, offsets: Self.lineOffsets), frequency: frequency)
    }

    deinit {
        close()
    }

    public func setMotors(_ motor1: Double, _ motor2: Double) throws {
        try pwm.setDuties(Self.duties(clampedThrottle(motor1)) + Self.duties(clampedThrottle(motor2)))
    }

    /// Sets all four lines low (one write of the whole line request, whatever failed before) before returning;
    /// throws a ``MotorStopError`` naming the chip, the lines and the `errno` when that write fails.
    public func stopAll() throws {
        var writes = StopWrites()
        writes.attempt("\(lines) low") { try pwm.setAllLow() }
        try writes.finish()
    }

    /// Stops the PWM thread with the lines low; afterwards the motors stay stopped whatever is asked. Idempotent.
    public func close() {
        pwm.close()
    }

    /// (forward, backward) duty cycles for one motor's throttle.
    private static func duties(_ throttle: Double) -> [Double] {
        throttle >= 0 ? [throttle, 0] : [0, -throttle]
    }
}
