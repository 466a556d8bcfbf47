import Basics
public import Logging
public import MQTT
public import ServiceLifecycle
import Synchronization

/// The server's one MQTT connection, as a service: publishes drive commands (QoS 1) and tracks whether the
/// broker is reachable, for `/healthz`, the 503 answers and the `robot_server_broker_connected` gauge.
///
/// The client reconnects by itself with back-off; the server keeps answering (503) while it is away.
public final class CommandPublisher: Service, Sendable {
    /// Whether the broker is connected, and if not, the latest reason.
    public struct Health: Sendable, Equatable {
        public var connected: Bool
        public var reason: String
    }

    let client: MQTTClient
    let publishTimeout: Duration
    let metrics: ServerMetrics
    let logger: Logger
    /// Receives every message of the subscriptions in the client's options (robots' telemetry, for viewers).
    let onMessage: @Sendable (MQTTMessage) -> Void
    /// With `cluster`: the other instances' messages go here, and it hears when the connection is up.
    let cluster: ClusterLink?
    private let state = Mutex(Health(connected: false, reason: "not connected yet"))
    /// The first failed connection of a run is a warning, then every 60th (the rest are debug lines).
    private let connectFailures = Mutex(ConnectFailureLog(every: 60))
    /// ``health``'s `connected`, readable without a lock on every request.
    private let connected = Atomic<Bool>(false)
    /// Set on a graceful shutdown: the connection's end is ours, not news.
    private let stopping = Atomic<Bool>(false)

    public convenience init(
        client: MQTTClient, publishTimeout: Duration, metrics: ServerMetrics, logger: Logger,
        onMessage: @escaping @Sendable (MQTTMessage) -> Void = { _ in }
    ) {
        self.init(
            client: client, publishTimeout: publishTimeout, metrics: metrics, logger: logger, cluster: nil,
            onMessage: onMessage)
    }

    init(
        client: MQTTClient, publishTimeout: Duration, metrics: ServerMetrics, logger: Logger, cluster: ClusterLink?,
        onMessage: @escaping @Sendable (MQTTMessage) -> Void
    ) {
        self.client = client
        self.cluster = cluster
        self.onMessage = onMessage
        self.publishTimeout = publishTimeout
        self.metrics = metrics
        self.logger = logger
    }

    public var health: Health { state.withLock { $0 } }

    public func run() async {
        client.start()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in self.client.events {
                    self.handle(event)
                }
            }
            // Returns on SIGTERM/SIGINT (after the HTTP server has stopped: services stop in reverse order).
            try? await gracefulShutdown()
            stopping.store(true, ordering: .relaxed)
            await cluster?.goodbye()
            await client.disconnect()
            await group.waitForAll()
        }
    }

    /// Publishes `payload` on `topic` with QoS 1 and waits for the broker's PUBACK.
    func publish(topic: String, payload: [UInt8]) async throws(MQTTError) {
        guard connected.load(ordering: .relaxed) else {
            throw MQTTError(.notConnected, "not connected to the MQTT broker (\(health.reason))")
        }
        try await client.publishAndWait(topic: topic, payload: payload, qos: 1, timeout: publishTimeout)
    }

    private func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            _ = connectFailures.withLock { $0.level(for: event) }
            state.withLock { $0 = Health(connected: true, reason: "connected") }
            connected.store(true, ordering: .relaxed)
            metrics.brokerConnected(true)
            logger.notice("connected to the MQTT broker", metadata: ["mqtt.endpoint": "\(client.options.endpoint)"])
            cluster?.connected()
        case .connectionLost(let reason):
            state.withLock { $0 = Health(connected: false, reason: reason) }
            connected.store(false, ordering: .relaxed)
            metrics.brokerConnected(false)
            let shuttingDown = stopping.load(ordering: .relaxed)
            logger.log(
                level: shuttingDown ? .info : .warning,
                "MQTT connection \(shuttingDown ? "closed (shutting down)" : "lost"): \(reason)",
                metadata: ["mqtt.endpoint": "\(client.options.endpoint)"])
        case .connectFailed(let reason, let retryIn):
            state.withLock { $0 = Health(connected: false, reason: reason) }
            let level = connectFailures.withLock { $0.level(for: event) } ?? .warning
            logger.log(
                level: level, "cannot connect to the MQTT broker: \(reason); retrying in \(retryIn.milliseconds) ms",
                metadata: ["mqtt.endpoint": "\(client.options.endpoint)"])
        case .message(let message):
            if cluster?.handle(message) != true {
                onMessage(message)
            }
        case .subscriptionRefused(let filter):
            logger.warning(
                """
                the MQTT broker refused the subscription to \(filter): viewers get no telemetry from it \
                (does the broker's ACL or policy let robot-server read it?)
                """,
                metadata: ["mqtt.endpoint": "\(client.options.endpoint)"])
        case .subscribed:
            break
        }
    }
}
