import ArgumentParser
import Logging
import RobotDaemon

extension Robotd {
    struct StopMotors: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop-motors",
            abstract: "Open the motor hardware, stop both motors and exit.",
            discussion: """
                For systemd's ExecStopPost=: a PCA9685 and GPIO lines keep their last state when a process \
                dies, so this runs after every stop of the service, including a crash or kill -9.
                """)

        @OptionGroup var options: CommonOptions

        func run() throws {
            let logger = options.makeLogger()
            let config = try RobotConfig.load(path: options.config)
            _ = try makeBase(config: config, logger: logger)
            logger.notice("motors stopped", metadata: ["robot.driver": "\(config.motors.driver)"])
        }
    }
}
