public import ArgumentParser
public import Logging
import Metrics
import Prometheus
import RobotServer

/// `robot-server`: the REST publish API in front of the robots' MQTT broker.
@main
struct RobotServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot-server",
        abstract: "Drives telepresence robots over a REST API: POST /publish → <thing>/action over MQTT/TLS.",
        usage: """
            robot-server [--config <config>] [--log-level <log-level>]
            robot-server hash-token < TOKEN_FILE
            robot-server new-token [--name <name>] [--robot <robot> ...] [--role <role> ...]
            """,
        discussion: """
            Validates each drive command with robotd's own parser, checks the bearer token (static tokens \
            stored as SHA-256, or JWTs verified against an identity provider's JWKS) and publishes the command \
            with QoS 1. GET /healthz reports the broker connection, GET /metrics serves Prometheus metrics. \
            Without a subcommand it runs the server; hash-token and new-token make static tokens.
            """,
        version: "0.1.0",
        subcommands: [HashTokenCommand.self, NewTokenCommand.self]
    )

    @Option(name: .long, help: "Path of the configuration file (see server.json.example).")
    var config: String = "/etc/robot/server.json"

    @Option(name: .long, help: "How much to log.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "robot-server")
        let settings = try ServerConfig.load(path: config)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ServerMetrics.makeFactory(registry: registry))
        logger.notice(
            "robot-server starting",
            metadata: [
                "robot.robots": "\(settings.robots.joined(separator: ","))",
                "mqtt.endpoint": "\(settings.mqtt.settings.endpoint):\(settings.mqtt.settings.port)",
            ])
        let app = try await buildApplication(config: settings, registry: registry, logger: logger)
        try await app.runService()
        logger.notice("robot-server stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
