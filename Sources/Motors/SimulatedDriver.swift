public import Logging

/// Two motors that exist only in memory, for running the whole stack without a HAT: each change is logged at
/// `info` (`simulated motors: left=+0.500 right=+0.500`, motor 1 shown as left and motor 2 as right, as in the
/// default wiring) with the metadata `motors.driver=simulated`.
public final class SimulatedDriver: MotorDriver {
    /// Motor 1's throttle, −1…1.
    public private(set) var motor1: Double = 0
    /// Motor 2's throttle, −1…1.
    public private(set) var motor2: Double = 0
    /// How many times the throttles changed.
    public private(set) var changeCount = 0
    private let logger: Logger

    public var description: String {
        "simulated motors"
    }

    /// Stopped motors that log their changes through `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    public func setMotors(_ motor1: Double, _ motor2: Double) throws {
        let motor1 = clampedThrottle(motor1)
        let motor2 = clampedThrottle(motor2)
        guard motor1 != self.motor1 || motor2 != self.motor2 else { return }
        self.motor1 = motor1
        self.motor2 = motor2
        changeCount += 1
        logger.info(
            "simulated motors: left=\(Self.format(motor1)) right=\(Self.format(motor2))",
            metadata: ["motors.driver": "simulated"])
    }

    public func stopAll() throws {
        try setMotors(0, 0)
    }

    /// A throttle with a sign and three decimals, e.g. `+0.500`, `-1.000` (negative zero prints as `+0.000`).
    static func format(_ value: Double) -> String {
        let thousandths = Int((abs(value) * 1000).rounded())
        let fraction = String(thousandths % 1000)
        let sign = value < 0 && thousandths != 0 ? "-" : "+"
        return "\(sign)\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
