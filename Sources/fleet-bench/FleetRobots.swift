import ArgumentParser
import Glibc
import Basics
import DriveControl
import DriveProtocol
import Logging
import MQTT
import RobotDaemon
import ServiceLifecycle

/// `fleet-bench robots`: robots `fleet-<from>` … `fleet-<to>` in one process, each robotd's own ``DriveService``
/// (the drive controller, `DriveProtocol`'s parser, the telemetry publisher, heartbeats, the last will) on the
/// simulated driver, with its own MQTT session and client certificate. What robotd adds around it — the video
/// and battery services, systemd, the latch file — is left out: none of it is on the drive path.
struct FleetRobots: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robots",
        abstract: "Run robots fleet-<from>…fleet-<to> (robotd's drive service each, simulated motors) until SIGTERM.")

    @Option(
        help: """
            A robotd config with the simulated driver: the broker, the motor defaults and the heartbeat every robot \
            uses. Robot fleet-N connects with <thing>.crt and <thing>.key from its certFile's folder.
            """)
    var config: String
    @Option(help: "The first robot's number.") var from = 1
    @Option(help: "The last robot's number.") var to: Int
    @Option(help: "The fleet's size (for the names' width).") var fleetSize: Int?
    @Option(help: "Log level (trace … critical).") var logLevel = "warning"

    func run() async throws {
        var logger = Logger(label: "fleet-bench.robots")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let template = try RobotConfig.load(path: config)
        guard template.motors.driver == "simulated" else {
            throw ValidationError("\(config): motors.driver must be simulated, not \(template.motors.driver)")
        }
        guard from >= 1, to >= from else { throw ValidationError("--from \(from) --to \(to): an empty fleet") }
        let folder = template.mqtt.certFile.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        var drives: [DriveService] = []
        for number in from...to {
            var robot = template
            robot.thingName = FleetNames.thing(number, of: fleetSize ?? to)
            robot.mqtt.certFile = "\(folder)/\(robot.thingName).crt"
            robot.mqtt.keyFile = "\(folder)/\(robot.thingName).key"
            drives.append(try Self.drive(robot, logger: logger))
        }
        let fleet = drives
        let group = ServiceGroup(
            configuration: .init(
                services: fleet.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask { await Self.announceConnected(fleet) }
            try await tasks.waitForAll()
        }
    }

    /// One robot as robotd builds it (`buildDaemon`): the base left stopped, the client with robotd's options and
    /// last will, the drive service with the config's defaults, heartbeat and limits. The latch stays in memory.
    static func drive(_ robot: RobotConfig, logger: Logger) throws -> DriveService {
        var options = MQTTOptions(
            settings: robot.mqtt, clientID: robot.thingName, subscriptions: [.init(robot.actionTopic, qos: 1)])
        options.deadLinkTimeout = .seconds(3)  // robotd's (DaemonAssembly.deadLinkTimeout)
        let thing = robot.thingName
        let client = try MQTTClient(options: options, logger: logger) {
            let offline = Telemetry(
                thingName: thing, event: .offline, reason: "connection lost", timestamp: .now())
            return MQTTOptions.Will(topic: "\(thing)/telemetry", payload: offline.jsonBytes(), qos: 1)
        }
        return DriveService(
            thingName: thing, client: client, base: try makeBase(config: robot, logger: logger),
            defaults: DriveDefaults(speed: robot.motors.speed, durationMs: robot.motors.durationMs),
            heartbeat: robot.telemetry.heartbeatSeconds > 0 ? .seconds(robot.telemetry.heartbeatSeconds) : nil,
            logger: logger,
            limits: DriveLimits(maxAcceleration: robot.motors.maxAcceleration, maxSpeed: robot.motors.maxSpeed))
    }

    /// Prints one line once every robot's client is connected (the script waits for it).
    static func announceConnected(_ drives: [DriveService]) async {
        let started = ContinuousClock.now
        while !Task.isCancelled {
            var connected = 0
            for drive in drives where await drive.liveness().connected { connected += 1 }
            if connected == drives.count {
                print("fleet: \(connected) robots connected in \((ContinuousClock.now - started).milliseconds) ms")
                fflush(nil)  // the script waits for this line
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
