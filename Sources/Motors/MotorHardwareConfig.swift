/// Where the motor hardware is and how it is wired: the hardware half of the config file's `motors` section
/// (`driver`, `i2cBus`, `i2cAddress`, `gpioChip`, `pwmFrequency`, `swap`, `invertLeft`, `invertRight`).
public struct MotorHardwareConfig: Sendable, Equatable {
    /// Which board drives the motors.
    public var driver: DriverKind
    /// The Adafruit HAT's I2C bus: `/dev/i2c-<i2cBus>`.
    public var i2cBus: Int
    /// The Adafruit HAT's 7-bit I2C address (0x60 unless its address jumpers are bridged).
    public var i2cAddress: UInt8
    /// The Explorer HAT's GPIO chip.
    public var gpioChip: String
    /// The PWM frequency in hertz; nil picks the board's default (1600 Hz for the PCA9685, whose hardware keeps it
    /// within 24…1526 Hz; 100 Hz for the Explorer HAT's software PWM, which accepts 10…1000 Hz).
    public var pwmFrequency: Double?
    /// Which motor drives which side.
    public var wiring: Wiring

    /// A configuration with the documented defaults.
    public init(
        driver: DriverKind, i2cBus: Int = 1, i2cAddress: UInt8 = 0x60, gpioChip: String = "/dev/gpiochip0",
        pwmFrequency: Double? = nil, wiring: Wiring = Wiring()
    ) {
        self.driver = driver
        self.i2cBus = i2cBus
        self.i2cAddress = i2cAddress
        self.gpioChip = gpioChip
        self.pwmFrequency = pwmFrequency
        self.wiring = wiring
    }

    /// Checks the values the hardware cannot take, naming the key at fault.
    public func validate() throws(MotorConfigError) {
        if i2cBus < 0 {
            throw MotorConfigError(
                key: "motors.i2cBus", message: "\(i2cBus) is negative; expected a bus number such as 1")
        }
        if !(0x03...0x77).contains(i2cAddress) {
            throw MotorConfigError(
                key: "motors.i2cAddress",
                message: "\(i2cAddress) is not a 7-bit I2C address; expected 3…119 (0x60 = 96)")
        }
        if let pwmFrequency {
            let range: ClosedRange<Double> = driver == .explorerhat ? 10...1000 : 24...1600
            if !range.contains(pwmFrequency) {
                let expected = "\(Int(range.lowerBound))…\(Int(range.upperBound))"
                throw MotorConfigError(
                    key: "motors.pwmFrequency",
                    message:
                        "\(Self.format(pwmFrequency)) Hz is out of range for \(driver.rawValue); expected \(expected)")
            }
        }
    }

    /// `100` rather than `100.0`.
    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// A motor setting the hardware cannot take; its description names the key: `motors.pwmFrequency: …`.
public struct MotorConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The config key at fault, e.g. `motors.i2cAddress`.
    public var key: String
    /// What is wrong and what is expected.
    public var message: String

    /// An error about `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(key): \(message)"
    }
}
