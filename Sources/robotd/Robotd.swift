public import ArgumentParser
public import Logging
import RobotDaemon

/// `robotd`: the telepresence robot's daemon.
@main
struct Robotd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robotd",
        abstract: "Drives a telepresence robot from MQTT-over-TLS commands, safely.",
        discussion: """
            Subscribes to <thing>/action, drives two DC motors (Adafruit Motor HAT, Pimoroni Explorer HAT \
            or a simulated driver) and reports on <thing>/telemetry. Every motion stops by itself after its \
            durationMs, on disconnect and on shutdown.
            """,
        version: "0.1.0",
        subcommands: [Run.self, StopMotors.self, Check.self],
        defaultSubcommand: Run.self
    )
}

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the configuration file.")
    var config: String = RobotConfig.defaultPath

    @Option(name: .long, help: "How much to log.")
    var logLevel: Logger.Level = .info

    /// Sends logs to stderr at the chosen level and returns the root logger.
    func makeLogger() -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "robotd")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
