public import Battery
public import Hardware
public import Logging
public import ServiceLifecycle

/// Reads the battery every interval (the first read at start) and reports each reading with its threshold crossing,
/// if any: the drive service puts the latest in heartbeats and publishes a `battery` event on a crossing.
///
/// Nothing here can stop driving: a sensor that cannot be opened or read is logged (the first failure, then every
/// 60th) and tried again at the next interval, opened anew; ``run()`` never throws and ends at shutdown. A read
/// blocks for a few I2C transactions (an ADS1015 conversion waits about 1 ms, at most about 20 ms).
public struct BatteryService: Service {
    /// Every how many failed reads in a row one is logged as a warning again (the others are debug lines).
    public static let failureLogEvery = 60

    let interval: Duration
    let thresholds: BatteryMonitor.Thresholds
    let logger: Logger
    let open: @Sendable () throws -> any BatterySensor
    let report: @Sendable (BatteryReading, BatteryEvent?) async -> Bool

    /// - Parameters:
    ///   - open: opens the sensor (and configures it); called at start and again after a failure.
    ///   - report: receives every reading and its crossing; returns false when an event could not be delivered
    ///     (robotd is not connected yet), and the event then comes again with the next reading until it is.
    public init(
        interval: Duration, thresholds: BatteryMonitor.Thresholds, logger: Logger,
        open: @escaping @Sendable () throws -> any BatterySensor,
        report: @escaping @Sendable (BatteryReading, BatteryEvent?) async -> Bool
    ) {
        self.interval = interval
        self.thresholds = thresholds
        self.logger = logger
        self.open = open
        self.report = report
    }

    public func run() async {
        await cancelWhenGracefulShutdown { await self.readUntilCancelled() }
        logger.debug("battery: stopped")
    }

    /// The level a failed read is logged at: the first of a run of failures and every 60th are warnings.
    public static func logLevel(forFailure count: Int) -> Logger.Level {
        count == 1 || count % failureLogEvery == 0 ? .warning : .debug
    }

    private func readUntilCancelled() async {
        var monitor = BatteryMonitor(thresholds: thresholds)
        var sensor: (any BatterySensor)?
        var failures = 0
        /// A crossing not delivered yet; a newer crossing replaces it.
        var undelivered: BatteryEvent?
        repeat {
            do {
                let current = try sensor ?? open()
                sensor = current
                let (reading, event) = monitor.record(try current.read())
                if failures > 0 {
                    logger.notice("battery: \(current) reads again after \(failures) failed attempts")
                    failures = 0
                }
                log(reading, event)
                let pending = event ?? undelivered
                undelivered = await report(reading, pending) ? nil : pending
            } catch {
                sensor = nil
                failures += 1
                logger.log(
                    level: Self.logLevel(forFailure: failures),
                    "battery: cannot read the battery (attempt \(failures), next in \(interval)): \(error)")
            }
        } while (try? await Task.sleep(for: interval)) != nil
    }

    private func log(_ reading: BatteryReading, _ event: BatteryEvent?) {
        let volts = BatteryReading.rounded(reading.volts)
        switch event {
        case .low:
            logger.warning(
                "battery low: \(volts) V is below battery.lowVolts (\(thresholds.lowVolts) V)",
                metadata: ["robot.battery.volts": "\(volts)"])
        case .ok:
            let okVolts = BatteryReading.rounded(thresholds.lowVolts + thresholds.hysteresisVolts)
            logger.notice(
                "battery ok: \(volts) V is above battery.lowVolts + hysteresisVolts (\(okVolts) V)",
                metadata: ["robot.battery.volts": "\(volts)"])
        case nil:
            logger.debug("battery: \(volts) V")
        }
    }
}

/// The battery service for `config`, or nil without a `battery` section or with `battery.enabled` false: readings
/// go to `drive`.
/// - Parameter openI2CBus: opens `/dev/i2c-<n>`; tests pass a register model.
public func makeBatteryService(
    config: RobotConfig, drive: DriveService, logger: Logger,
    openI2CBus: @escaping @Sendable (Int) throws -> any I2CBus = { try LinuxI2CBus(bus: $0) }
) -> (any Service)? {
    guard let battery = config.battery, battery.enabled else { return nil }
    var batteryLogger = logger
    batteryLogger[metadataKey: "robot.service"] = "battery"
    return BatteryService(
        interval: .seconds(battery.intervalSeconds), thresholds: batteryThresholds(battery), logger: batteryLogger,
        open: { try makeBatterySensor(battery, openI2CBus: openI2CBus) }
    ) { reading, event in
        await drive.batteryRead(reading, event: event)
    }
}

/// The thresholds of a `battery` section.
public func batteryThresholds(_ battery: RobotConfig.Battery) -> BatteryMonitor.Thresholds {
    BatteryMonitor.Thresholds(
        lowVolts: battery.lowVolts, hysteresisVolts: battery.hysteresisVolts, fullVolts: battery.fullVolts,
        emptyVolts: battery.emptyVolts)
}

/// Opens the sensor a `battery` section describes: its bus opened, an INA219 configured.
public func makeBatterySensor(
    _ battery: RobotConfig.Battery, openI2CBus: (Int) throws -> any I2CBus
) throws -> any BatterySensor {
    switch battery.sensor {
    case .ads1015:
        let chip = ADS1015(bus: try openI2CBus(battery.i2cBus), address: UInt8(battery.i2cAddress))
        return ADS1015BatteryInput(chip: chip, channel: battery.channel, dividerRatio: battery.dividerRatio)
    case .ina219:
        let chip = INA219(
            bus: try openI2CBus(battery.i2cBus), address: UInt8(battery.i2cAddress), shuntOhms: battery.shuntOhms)
        try chip.configure()
        return chip
    case .simulated:
        return SimulatedBatterySensor(volts: battery.volts ?? 0)
    }
}
