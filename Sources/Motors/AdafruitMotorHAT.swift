public import Hardware

/// The Adafruit DC & Stepper Motor HAT: TB6612 H-bridges whose inputs are PCA9685 channels. Each motor has a PWM
/// channel (speed) and two direction inputs: forward IN1 high / IN2 low, backward IN1 low / IN2 high, released
/// (coasting) both low.
///
/// Every change writes all three of the motor's channels (one I2C write each), with no cache that could go stale.
/// Not thread-safe.
public final class AdafruitMotorHAT: MotorDriver {
    /// The PCA9685 channels of one motor terminal pair.
    public struct Channels: Sendable, Equatable {
        /// The TB6612 PWM input: speed.
        public var pwm: Int
        /// The TB6612 IN2 input.
        public var in2: Int
        /// The TB6612 IN1 input.
        public var in1: Int

        /// The channels of one motor.
        public init(pwm: Int, in2: Int, in1: Int) {
            self.pwm = pwm
            self.in2 = in2
            self.in1 = in1
        }
    }

    /// The channels of motors M1…M4 (index 0…3), as printed on the board.
    public static let motorChannels: [Channels] = [
        Channels(pwm: 8, in2: 9, in1: 10),
        Channels(pwm: 13, in2: 12, in1: 11),
        Channels(pwm: 2, in2: 3, in1: 4),
        Channels(pwm: 7, in2: 6, in1: 5),
    ]
    /// The board's factory address.
    public static let defaultAddress: UInt8 = 0x60
    /// The PWM frequency Adafruit's library uses; the chip rounds it to about 1526 Hz (PRE_SCALE 3).
    public static let defaultFrequency = 1600.0

    /// The PWM board.
    public let board: PCA9685
    /// The motor terminals this driver's motor 1 and motor 2 are on (M1 and M2 by default).
    public let motors: (Channels, Channels)

    public var description: String {
        "Adafruit Motor HAT (\(board))"
    }

    /// Starts `board` at `frequency` and leaves both motors stopped. `terminals` picks the HAT terminals
    /// (1…4) that act as motor 1 and motor 2.
    ///
    /// The stop is tried even when starting the chip fails (`robotd stop-motors` relies on it); the stop's
    /// ``MotorStopError`` is thrown if it failed too, else the start's error.
    public init(board: PCA9685, frequency: Double = 1600, terminals: (Int, Int) = (1, 2)) throws {
        precondition((1...4).contains(terminals.0) && (1...4).contains(terminals.1), "the HAT has terminals M1…M4")
        self.board = board
        motors = (Self.motorChannels[terminals.0 - 1], Self.motorChannels[terminals.1 - 1])
        var startError: (any Error)?
        do {
            try board.start(frequency: frequency)
        } catch {
            startError = error
        }
        try stopAll()
        if let startError { throw startError }
    }

    /// Stops both motors on the way out: the PCA9685 would otherwise keep driving them after the process ends.
    deinit {
        try? stopAll()
    }

    /// Opens a board at `address` on `bus` and starts it, both motors stopped.
    public convenience init(bus: any I2CBus, address: UInt8 = 0x60, frequency: Double = 1600) throws {
        try self.init(board: PCA9685(bus: bus, address: address), frequency: frequency)
    }

    public func setMotors(_ motor1: Double, _ motor2: Double) throws {
        try set(motors.0, throttle: clampedThrottle(motor1))
        try set(motors.1, throttle: clampedThrottle(motor2))
    }

    /// Writes ALL_LED_OFF first (one write: every channel full-off, whatever each channel holds), then each
    /// motor's PWM, IN1 and IN2 full-off one by one. Every write is tried whatever fails before it, so that one
    /// failure never leaves a motor driving that another write could have stopped; the stop counts as done only
    /// when every write succeeded, else it throws a ``MotorStopError`` naming the ones that failed.
    public func stopAll() throws {
        var writes = StopWrites()
        writes.attempt("ALL_LED_OFF") { try board.setAllFullOff() }
        for (number, channels) in [(1, motors.0), (2, motors.1)] {
            for (input, channel) in [("PWM", channels.pwm), ("IN1", channels.in1), ("IN2", channels.in2)] {
                writes.attempt("motor \(number) \(input) (channel \(channel))") {
                    try board.setFullOff(channel: channel)
                }
            }
        }
        try writes.finish()
    }

    /// Drives one motor. The input that goes low is written before the one that goes high, so a reversal passes
    /// through "released" rather than "brake", and the speed comes last.
    private func set(_ channels: Channels, throttle: Double) throws {
        if throttle > 0 {
            try board.setFullOff(channel: channels.in2)
            try board.setFullOn(channel: channels.in1)
            try board.setDuty(channel: channels.pwm, duty: throttle)
        } else if throttle < 0 {
            try board.setFullOff(channel: channels.in1)
            try board.setFullOn(channel: channels.in2)
            try board.setDuty(channel: channels.pwm, duty: -throttle)
        } else {
            try board.setFullOff(channel: channels.pwm)
            try board.setFullOff(channel: channels.in1)
            try board.setFullOff(channel: channels.in2)
        }
    }
}
