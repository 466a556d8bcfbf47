import ArgumentParser
import Logging
import RobotDaemon
import SystemdNotify

extension Robotd {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the daemon (the default): connect, drive, report, until SIGTERM or SIGINT.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let logger = options.makeLogger()
            let config = try RobotConfig.load(path: options.config)
            var startLogger = logger
            startLogger[metadataKey: "robot.thing"] = "\(config.thingName)"
            startLogger.notice(
                "robotd starting",
                metadata: [
                    "robot.driver": "\(config.motors.driver)",
                    "mqtt.endpoint": "\(config.mqtt.endpoint):\(config.mqtt.port)",
                ])
            // Under systemd (Type=notify): READY=1, watchdog pings, STOPPING=1. Read before anything starts.
            let notifier = try SystemdNotifier.fromProcessEnvironment()
            let daemon = try buildDaemon(config: config, logger: startLogger, notifier: notifier)
            try await daemon.run()
            startLogger.notice("robotd stopped")
        }
    }
}
