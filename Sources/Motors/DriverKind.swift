/// The motor boards `robotd` can drive; the raw values are the config file's `motors.driver` values.
public enum DriverKind: String, CaseIterable, Sendable {
    /// Adafruit DC & Stepper Motor HAT: PCA9685 + TB6612 on I2C.
    case adafruit
    /// Pimoroni Explorer HAT (Pro): DRV8833 on GPIO with software PWM.
    case explorerhat
    /// In-memory motors that log their changes.
    case simulated
}
