public import Hardware
public import Logging

/// Opens the motor hardware `config` names and returns its driver with both motors stopped:
/// `adafruit` → ``LinuxI2CBus`` + ``PCA9685`` + ``AdafruitMotorHAT``; `explorerhat` → ``LinuxGPIOOutputs`` +
/// ``ExplorerHAT``; `simulated` → ``SimulatedDriver``.
///
/// Throws ``MotorConfigError`` for impossible settings and ``HardwareError`` (one line naming the device, the
/// address and the likely fix) when the hardware is missing or refuses.
///
/// - Parameter openI2CBus: opens `/dev/i2c-<n>`; tests pass a chip model here so the real path runs on it.
public func makeMotorDriver(
    _ config: MotorHardwareConfig, logger: Logger,
    openI2CBus: (Int) throws -> any I2CBus = { try LinuxI2CBus(bus: $0) }
) throws -> sending any MotorDriver {
    try config.validate()
    let driver: any MotorDriver
    switch config.driver {
    case .adafruit:
        do {
            let bus = try openI2CBus(config.i2cBus)
            driver = try AdafruitMotorHAT(
                board: PCA9685(bus: bus, address: config.i2cAddress),
                frequency: config.pwmFrequency ?? AdafruitMotorHAT.defaultFrequency)
        } catch let error as HardwareError where error.isNoChipAnswering {
            throw error.hinting("is the Motor HAT seated and its address jumper at \(hexByte(config.i2cAddress))?")
        }
    case .explorerhat:
        driver = try ExplorerHAT(chip: config.gpioChip, frequency: config.pwmFrequency ?? ExplorerHAT.defaultFrequency)
    case .simulated:
        driver = SimulatedDriver(logger: logger)
    }
    logger.notice(
        "motors ready and stopped: \(driver.description)", metadata: ["motors.driver": "\(config.driver.rawValue)"])
    return driver
}
