import ArgumentParser
import RobotDaemon

extension Robotd {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the setup: configuration, certificate and key, motor hardware, broker, credentials.",
            discussion: """
                Prints one line per item (✓ passed, ! warning, ✗ failed with the fix, - skipped) and exits 0 only \
                if nothing failed. Moves no motor and opens no MQTT session, so it is safe while robotd runs.
                """)

        @Option(name: .long, help: "Path of the configuration file.")
        var config: String = RobotConfig.defaultPath

        func run() async throws {
            let items = await Checkup.run(configPath: config)
            for item in items {
                print(item)
            }
            let failed = items.filter { $0.status == .failed }.count
            let warnings = items.filter { $0.status == .warning }.count
            print(failed == 0 ? "all checks passed (\(warnings) warnings)" : "\(failed) checks failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
