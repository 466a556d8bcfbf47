import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import NIOCore
import Prometheus
@testable import RobotServer
import StrictJSON
import TestSupport
import Testing

/// robot-server's routes in process: the config the end-to-end harness writes (robots `sts-pi`, the default, and
/// `rover`; the static tokens of ``RobotServerProcess``), the routes ``buildRoutes`` makes from it, and a broker
/// stand-in instead of the MQTT connection. Requests go straight to the router (HummingbirdTesting's `.router`
/// framework): no socket, no broker, no process — so these tests run in parallel with everything else.
struct RouteHarness: Sendable {
    /// What is behind the routes' publisher.
    enum Broker: Sendable {
        /// A connected broker (``BrokerStandIn``).
        case standIn(BrokerStandIn)
        /// No broker yet: robot-server's own ``CommandPublisher`` on an MQTT client that was never started, as
        /// while the first connection attempt runs or after the broker went away.
        case unreachable
    }

    static let homeToken = RobotServerProcess.homeToken
    static let fleetToken = RobotServerProcess.fleetToken

    let client: any TestClientProtocol
    /// Where the metrics go (``ServerMetrics`` and the request metrics), as `GET /metrics` shows them.
    let registry: PrometheusCollectorRegistry

    /// Runs `test` against the routes of a config with `auth` and `extra` top-level members (`"cors":{…}`).
    static func run(
        auth: String = RobotServerProcess.staticTokensAuth, extra: String = "", broker: Broker = .standIn(.init()),
        _ test: @Sendable (RouteHarness) async throws -> Void
    ) async throws {
        let text = RobotServerProcess.config(port: 8080, brokerPort: 1, auth: auth, mqtt: "", extra: extra)
        let config = try ServerConfig.load(path: PlaceholderFiles.config(text).path)
        var logger = Logger(label: "route-tests")
        logger.logLevel = .critical
        let registry = PrometheusCollectorRegistry()
        let factory = ServerMetrics.makeFactory(registry: registry)
        let metrics = ServerMetrics(robots: config.robots, factory: factory)
        let hubs = SignalingHubs(robots: config.robots, video: config.video, logger: logger)
        let routes: ServerRoutes
        switch broker {
        case .standIn(let standIn):
            routes = try await buildRoutes(
                config: config, publisher: standIn, hubs: hubs, metrics: metrics, metricsFactory: factory,
                registry: registry, logger: logger)
        case .unreachable:
            let publisher = CommandPublisher(
                client: try MQTTClient(
                    options: MQTTOptions(settings: config.mqtt.settings, clientID: config.mqtt.clientID),
                    logger: logger),
                publishTimeout: .milliseconds(config.mqtt.publishTimeoutMs), metrics: metrics, logger: logger)
            routes = try await buildRoutes(
                config: config, publisher: publisher, hubs: hubs, metrics: metrics, metricsFactory: factory,
                registry: registry, logger: logger)
        }
        let app = Application(router: routes.http, services: routes.services, logger: logger)
        try await app.test(.router) { client in
            try await test(RouteHarness(client: client, registry: registry))
        }
    }

    /// A request with a bearer token (nil: none) and a content type (nil: none).
    func send(
        _ method: HTTPRequest.Method, _ path: String, body: String? = nil, token: String? = homeToken,
        contentType: String? = "application/json", headers: HTTPFields = [:]
    ) async throws -> RouteAnswer {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if let contentType, body != nil { fields[.contentType] = contentType }
        return try await client.execute(
            uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            RouteAnswer(
                status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        }
    }

    func post(
        _ path: String = "/publish", _ body: String, token: String? = homeToken,
        contentType: String? = "application/json", headers: HTTPFields = [:]
    ) async throws -> RouteAnswer {
        try await send(.post, path, body: body, token: token, contentType: contentType, headers: headers)
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> RouteAnswer {
        try await send(.get, path, token: nil, headers: headers)
    }
}

/// What the routes answered to one request.
struct RouteAnswer: Sendable, CustomStringConvertible {
    let status: Int
    let headers: HTTPFields
    let body: String

    var json: JSONValue? { try? JSONParser.parse(Array(body.utf8)) }
    var error: String? { json?["error"]?.stringValue }
    var detail: String? { json?["detail"]?.stringValue }
    var description: String { "\(status) \(body)" }

    func header(_ name: HTTPField.Name) -> String? { headers[name] }

    /// Asserts an error answer: status, `error`, a `detail` containing `detail`, and a JSON content type — what
    /// the end-to-end tests assert of the built binary's answers.
    func expectError(
        status: Int, error: String, detail: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "\(self)", sourceLocation: sourceLocation)
        #expect(self.error == error, "\(self)", sourceLocation: sourceLocation)
        #expect(self.detail?.contains(detail) == true, "\(self)", sourceLocation: sourceLocation)
        #expect(header(.contentType) == "application/json", "\(headers)", sourceLocation: sourceLocation)
        #expect(json?.objectValue?.keys.sorted() == ["detail", "error"], sourceLocation: sourceLocation)
    }
}
