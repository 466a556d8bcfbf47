public import Logging
import MQTT
public import Hardware
public import Motors
public import ServiceLifecycle
public import SystemdNotify
import DriveControl
import DriveProtocol

/// Builds robotd's services from a validated configuration: hardware first (left stopped), then the
/// MQTT client, then the state directory (the emergency-stop latch), then the drive service. Nothing touches the network until the group runs.
/// - Parameter notifier: systemd's notification socket, when robotd runs as a `Type=notify` unit.
public func buildDaemon(config: RobotConfig, logger: Logger, notifier: SystemdNotifier? = nil) throws -> ServiceGroup {
    for key in config.unknownKeys {
        logger.warning("config: unknown key \(key) ignored (a typo?)")
    }
    for warning in config.warnings {
        logger.warning("config: \(warning)")
    }
    let base = try makeBase(config: config, logger: logger)
    let client = try MQTTClient(options: mqttOptions(config), logger: logger) {
        TelemetryPublisher.will(thingName: config.thingName)
    }
    let latchFile = try EstopLatchFile.prepare(directory: config.stateDirectory)
    let drive = DriveService(
        thingName: config.thingName, client: client, base: base,
        defaults: DriveDefaults(speed: config.motors.speed, durationMs: config.motors.durationMs),
        heartbeat: config.telemetry.heartbeatSeconds > 0 ? .seconds(config.telemetry.heartbeatSeconds) : nil,
        logger: logger, escalation: notifier.map { .systemd($0) } ?? .exit,
        limits: DriveLimits(maxAcceleration: config.motors.maxAcceleration, maxSpeed: config.motors.maxSpeed),
        stateDirectory: latchFile.directory
    )
    // Shutdown runs in reverse order: STOPPING=1 to systemd (appended last), the motors stop, then the video producer.
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    // The video producer and the battery gauge may end or fail without taking the drive path with them.
    let helpers: [(any Service)?] = [
        makeVideoService(config: config, drive: drive, logger: logger),
        makeBatteryService(config: config, drive: drive, logger: logger),
    ]
    for service in helpers.compactMap({ $0 }) {
        services.append(.init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
    }
    services.append(.init(service: drive, successTerminationBehavior: .gracefullyShutdownGroup))
    return ServiceGroup(
        configuration: .init(
            services: services + systemdServices(notifier, drive: drive, config: config, logger: logger),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
}

/// Opens the configured motor hardware and leaves it stopped — all `robotd stop-motors` does.
/// - Parameter openI2CBus: opens `/dev/i2c-<n>`; tests pass a PCA9685 model.
public func makeBase(
    config: RobotConfig, logger: Logger,
    openI2CBus: (Int) throws -> any I2CBus = { try LinuxI2CBus(bus: $0) }
) throws -> DifferentialBase {
    let driver = try makeMotorDriver(motorHardwareConfig(config), logger: logger, openI2CBus: openI2CBus)
    try driver.stopAll()
    return DifferentialBase(driver: driver, wiring: motorHardwareConfig(config).wiring)
}

func motorHardwareConfig(_ config: RobotConfig) -> MotorHardwareConfig {
    let motors = config.motors
    return MotorHardwareConfig(
        driver: DriverKind(rawValue: motors.driver) ?? .simulated,
        i2cBus: motors.i2cBus, i2cAddress: UInt8(motors.i2cAddress), gpioChip: motors.gpioChip,
        pwmFrequency: motors.pwmFrequency,
        wiring: Wiring(swap: motors.swap, invertLeft: motors.invertLeft, invertRight: motors.invertRight)
    )
}

/// robotd's MQTT connection: after a network outage it must be back within about a second of the link's return
/// (`docs/SAFETY.md`: the motors stop at the command deadline meanwhile), so a path silent for
/// ``deadLinkTimeout`` is given up and probed each second (``MQTTOptions/deadLinkTimeout``).
func mqttOptions(_ config: RobotConfig) -> MQTTOptions {
    var options = MQTTOptions(
        settings: config.mqtt, clientID: config.thingName, subscriptions: [.init(config.actionTopic, qos: 1)])
    options.deadLinkTimeout = deadLinkTimeout
    return options
}

/// How long robotd's connection to the broker may go unanswered before it is given up and made anew.
let deadLinkTimeout: Duration = .seconds(3)
