import CoreMetrics
public import Hummingbird
import JSONConfig
public import Logging
import MQTT
import NIOCore
import Relay
import HummingbirdCore
import HummingbirdWebSocket
public import Prometheus
import ServiceLifecycle

/// Builds robot-server from a validated configuration: the MQTT publisher, the identity provider's keys
/// (a JWKS file is read now, so a bad one stops the start), the authenticator and the HTTP routes.
/// Nothing touches the network until the application runs (`runService()`), which starts the publisher
/// and the key refresher before the HTTP server and stops them after it.
public func buildApplication(
    config: ServerConfig, registry: PrometheusCollectorRegistry, logger: Logger
) async throws -> some ApplicationProtocol {
    for key in config.unknownKeys {
        logger.warning("config: unknown key \(key) ignored (a typo, or a section of a later version?)")
    }
    for warning in config.video.warnings {
        logger.warning("config: \(warning)")
    }
    if let turn = config.video.turn {
        // The description names the secret's file, never the secret.
        logger.notice("video: minting short-lived TURN credentials", metadata: ["video.turn": "\(turn)"])
    }
    if config.auth.disabled {
        logger.critical(
            "AUTHENTICATION IS DISABLED (auth.disabled): anyone who can reach http://\(config.listen.host):\(config.listen.port) can drive every robot. For a local demo only."
        )
    }
    let metrics = ServerMetrics(robots: config.robots)
    // With `cluster`, the instances share signaling rooms and control leases through the broker (docs/SCALING.md).
    let cluster = config.cluster.map { ClusterLink(config: $0, logger: logger) }
    if let cluster {
        logger.notice(
            "cluster: instance \(cluster.instance), sharing rooms and leases on \(cluster.topics.prefix)/…",
            metadata: ["mqtt.clientId": "\(config.mqtt.clientID)"])
    }
    let hubs = SignalingHubs(
        robots: config.robots, video: config.video, control: config.control, cluster: cluster, logger: logger)
    var options = MQTTOptions(settings: config.mqtt.settings, clientID: config.mqtt.clientID)
    options.subscriptions += hubs.telemetrySubscriptions + (cluster?.subscriptions ?? [])
    let will = cluster?.will
    let client = try MQTTClient(options: options, logger: logger, will: { will })
    cluster?.attach(client)
    let publisher = CommandPublisher(
        client: client, publishTimeout: .milliseconds(config.mqtt.publishTimeoutMs), metrics: metrics, logger: logger,
        cluster: cluster, onMessage: hubs.relay)
    let routes = try await buildRoutes(
        config: config, publisher: publisher, hubs: hubs, metrics: metrics, registry: registry, cluster: cluster,
        logger: logger)

    let listen = config.listen
    return Application(
        router: routes.http,
        server: guardedServer(listen: listen, webSocketRouter: routes.webSocket),
        configuration: ApplicationConfiguration(
            address: .hostname(listen.host, port: listen.port), serverName: "robot-server"),
        services: [publisher] + routes.services,
        onServerRunning: { channel in
            logger.notice(
                "robot-server listening",
                metadata: [
                    "http.address": "\(listen.host):\(channel.localAddress?.port ?? listen.port)",
                    "robot.default": "\(config.defaultRobot)",
                ])
        },
        logger: logger
    )
}

/// robot-server's routes, and the services they need running (the JWKS refresher, the relay, the control leases'
/// sweep).
struct ServerRoutes {
    /// Every HTTP route, behind the metrics, CORS, error and `/relay` admin middleware.
    let http: Router<BasicRequestContext>
    /// The signaling WebSocket, answered after the upgrade.
    let webSocket: Router<SignalingRequestContext>
    /// Started before the HTTP server and stopped after it.
    let services: [any Service]
}

/// The routes on `publisher`, the seam between HTTP and MQTT: ``buildApplication`` passes the MQTT
/// ``CommandPublisher``; route tests pass a stand-in and send requests to `http` in process (HummingbirdTesting),
/// with no broker and no socket. Metrics go to `metricsFactory` (the bootstrapped system's by default).
func buildRoutes(
    config: ServerConfig, publisher: some CommandPublishing, hubs: SignalingHubs, metrics: ServerMetrics,
    metricsFactory: any MetricsFactory = MetricsSystem.factory, registry: PrometheusCollectorRegistry,
    cluster: ClusterLink? = nil, logger: Logger
) async throws -> ServerRoutes {
    var services: [any Service] = []
    var jwt: JWTAuthenticator?
    if let settings = config.auth.jwt {
        let keys = SigningKeys(
            config: settings, fetcher: try JWKSFetcher(source: settings.keys, caFile: settings.caFile), logger: logger)
        try await keys.loadFile()
        jwt = JWTAuthenticator(config: settings, keys: keys)
        services.append(keys)
    }
    let authenticator = Authenticator(
        disabled: config.auth.disabled, tokens: StaticTokens(tokens: config.auth.tokens), jwt: jwt)

    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(RequestMetrics(factory: metricsFactory))
    router.middlewares.add(CORSPolicy(config.cors))
    router.middlewares.add(APIErrorMiddleware())
    router.middlewares.add(AdminGate(prefix: "/relay", authenticator: authenticator))
    let leases = ControlLeases(
        robots: config.robots, control: config.control, hubs: hubs, cluster: cluster, logger: logger)
    services.append(ControlLeaseSweep(leases: leases))
    PublishController(
        robots: Set(config.robots), defaultRobot: config.defaultRobot, authenticator: authenticator,
        publisher: publisher, metrics: metrics, leases: leases
    ).addRoutes(to: router)
    ControlController(robots: Set(config.robots), authenticator: authenticator, leases: leases).addRoutes(to: router)
    HealthController(publisher: publisher, registry: registry).addRoutes(to: router)
    if let relayConfig = config.relay {
        let relay = try RelayService(config: relayConfig, logger: logger)
        services.append(relay)
        RelayController(relay: relay, authenticator: authenticator).addRoutes(to: router)
    }
    RobotListController(robots: config.robots, defaultRobot: config.defaultRobot, authenticator: authenticator)
        .addRoutes(to: router)
    WebPageController().addRoutes(to: router)
    let signaling = SignalingController(
        robots: Set(config.robots), authenticator: authenticator, hubs: hubs, maxViewers: config.video.maxViewers)
    signaling.addRoutes(to: router)
    let webSocketRouter = Router(context: SignalingRequestContext.self)
    signaling.addWebSocketRoutes(to: webSocketRouter)
    return ServerRoutes(http: router, webSocket: webSocketRouter, services: services)
}
/// HTTP/1 with the signaling WebSocket upgrade, with the `listen` limits (`docs/LIMITS.md`): every connection passes
/// a ``ConnectionGuard`` first (cap, request-head timeout), and Hummingbird closes keep-alive connections idle for
/// `idleTimeoutSeconds`. An upgraded WebSocket has no idle timeout: Hummingbird pings it every 30 s and closes it
/// when the pong does not come.
func guardedServer(
    listen: ServerConfig.Listen, webSocketRouter: Router<SignalingRequestContext>
) -> HTTPServerBuilder {
    let gate = ConnectionGate(maxConnections: listen.maxConnections)
    let webSocketResponder = webSocketRouter.buildResponder()
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(idleTimeout: .seconds(Int64(listen.idleTimeoutSeconds))),
        ws: .init(maxFrameSize: SignalingController.maxFrameBytes))
    return HTTPServerBuilder { responder in
        GuardedChildChannel(
            base: HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
            gate: gate, headTimeout: .seconds(Int64(listen.requestHeadTimeoutSeconds)))
    }
}
