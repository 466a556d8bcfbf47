import AsyncHTTPClient
import Basics
import CoreMetrics
public import Logging
import MQTT
import RelayQueue
import SQS
public import ServiceLifecycle
public import StrictJSON
import AWSSigV4

/// The cross-account relay as a service of robot-server: one MQTT connection per account, the durable queue,
/// one lane per rule target, and the committer.
///
/// Building it turns the config into a ``RelayPlan``, opens the queue (so a bad path stops the start with its
/// reason), and builds, in this order and each from what came before: the lanes, the MQTT clients with their
/// ingest gates, the senders, the routes. ``run()`` resumes what the queue still holds, connects, and relays
/// until shutdown.
public final class RelayService: Service {
    public let config: RelayConfig
    private let logger: Logger
    let plan: RelayPlan
    let lanes: RelayLanes
    let engine: RelayEngine
    /// `clients[id.index]` is the plan's connection `id`.
    private let clients: [MQTTClient]
    private let httpClient: HTTPClient

    public init(config: RelayConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let plan = try RelayPlan(config)
        self.plan = plan
        let queue = try DurableQueue(path: config.queuePath, durability: config.durability)
        let lanes = RelayLanes(plan)
        self.lanes = lanes
        // A refused connection fails at once (the lane pauses and retries) instead of being retried inside
        // AsyncHTTPClient until the request's deadline.
        var http = HTTPClient.Configuration()
        http.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        self.httpClient = httpClient

        let messageIDs = MessageIDs()
        let clients = try plan.connections.map { connection in
            let gate =
                connection.rules.isEmpty
                ? nil
                : IngestGate(
                    connection: connection, plan: plan, lanes: lanes, queue: queue, messageIDs: messageIDs,
                    logger: logger)
            return try MQTTClient(options: Self.options(connection), logger: logger, gate: gate)
        }
        self.clients = clients

        let routes = plan.rules.flatMap { rule in
            let ruleLanes = lanes[rule.id]
            return ruleLanes.pairs(rule).map { target, lane in
                Route(
                    plan: target, lane: lane,
                    sender: Self.sender(for: target, rule: rule, clients: clients, http: httpClient),
                    counters: ruleLanes.counters,
                    errorLane: target.lane.target == .errorAction ? nil : ruleLanes.errorAction)
            }
        }
        self.engine = RelayEngine(queue: queue, routes: routes, logger: logger)
    }

    private static func options(_ connection: ConnectionPlan) -> MQTTOptions {
        MQTTOptions(
            settings: connection.mqtt.settings, clientID: connection.mqtt.clientID,
            // A persistent session: what arrives while the relay is away waits at the broker, and what it received
            // but had not acknowledged when it died comes again.
            cleanSession: false,
            subscriptions: connection.subscriptions.map {
                MQTTOptions.Subscription($0.filter, qos: 1, identifier: $0.identifier)
            },
            backoffJitter: 0.5, maxInflightMessages: connection.mqtt.maxInflight)
    }

    private static func sender(
        for target: TargetPlan, rule: RulePlan, clients: [MQTTClient], http: HTTPClient
    ) -> any TargetSender {
        switch target.destination {
        case .mqtt(let connection, let topic, let qos):
            let source = rule.source
            return MQTTSender(client: clients[connection.index], topic: topic, qos: qos) { queued in
                let delivery = queued.delivery
                return FieldTemplate.MessageContext(
                    topic: delivery.topic,
                    accountID: source.accountID, receivedAt: delivery.receivedAt, messageID: delivery.messageID,
                    rule: delivery.rule, clientIDLevel: source.clientIDTopicLevel)
            }
        case .sqs(let sqs, let queueURL, let base64):
            let credentials = AWSCredentials(
                accessKeyID: sqs.accessKeyID, secretAccessKey: sqs.secretAccessKey, sessionToken: sqs.sessionToken)
            let client = SQSClient(endpoint: sqs.endpoint, region: sqs.region, credentials: { credentials }, httpClient: http)
            return SQSSender(client: client, queueURL: queueURL, base64: base64)
        case .webhook(let url, let headers, let timeout):
            return WebhookSender(client: http, url: url, headers: headers, timeout: timeout)
        }
    }

    public func run() async throws {
        try resume()
        for client in clients { client.start() }
        logger.notice(
            "relay running",
            metadata: [
                "relay.rules": "\(config.rules.count)", "relay.accounts": "\(clients.count)",
                "relay.queue": "\(config.queuePath)",
            ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.engine.committer.run() }
            for route in engine.routes {
                group.addTask { await self.engine.drive(route) }
            }
            for (connection, client) in zip(plan.connections, clients) {
                group.addTask { await self.watch(client, account: connection.account.name) }
            }
            group.addTask { await self.reportDepth() }
            try? await gracefulShutdown()
            // Sources first: nothing new arrives; what is queued stays on disk for the next start.
            for client in clients { await client.disconnect() }
            for route in engine.routes { route.lane.stop() }
            group.cancelAll()
        }
        engine.committer.flush()
        engine.queue.close()
        try? await httpClient.shutdown()
    }

    /// Tells each lane how many of its deliveries the queue held at start; the lanes page them in from the file
    /// (memory stays bounded whatever the backlog).
    private func resume() throws {
        let depth = try engine.queue.depth()
        guard depth.total > 0 else { return }
        for (key, count) in depth.byTarget {
            guard let id = plan.lane(depthKey: key), let lane = lanes[id] else {
                logger.warning(
                    "relay: \(count) queued deliveries belong to a rule target no longer configured; kept in the queue",
                    metadata: ["relay.lane": "\(key)"])
                continue
            }
            lane.spill(from: 0, count: count)
            lanes[id.rule].counters.add(.resumed, count)
        }
        logger.notice("relay: resuming \(depth.total) undelivered deliveries from the queue")
    }

    private func watch(_ client: MQTTClient, account: String) async {
        // The first failed connection of a run, then every 30th; the others are not logged.
        var connectFailures = ConnectFailureLog(every: 30)
        // A connection cut at every reconnect (a queue that cannot commit) must not flood the journal.
        var lost = LogThrottle(interval: .seconds(60))
        for await event in client.events {
            let metadata: Logger.Metadata = ["relay.account": "\(account)", "mqtt.endpoint": "\(client.options.endpoint)"]
            switch event {
            case .connected:
                _ = connectFailures.level(for: event)
                logger.notice("relay: connected", metadata: metadata)
            case .connectionLost(let reason):
                guard let held = lost.admit() else { continue }
                let also = held > 0 ? " (and \(held) more times since the last report)" : ""
                logger.warning("relay: connection lost: \(reason)\(also)", metadata: metadata)
            case .connectFailed(let reason, let retryIn):
                if connectFailures.level(for: event) == .warning {
                    logger.warning(
                        "relay: cannot connect (\(connectFailures.failures)×): \(reason); retrying in \(retryIn)",
                        metadata: metadata)
                }
            case .subscriptionRefused(let filter):
                logger.error("relay: the broker refused the subscription \(filter)", metadata: metadata)
            case .subscribed:
                if !client.options.subscriptions.isEmpty {
                    logger.notice(
                        "relay: subscribed to \(client.options.subscriptions.map(\.topicFilter).joined(separator: ", "))",
                        metadata: metadata)
                }
            case .message:
                continue
            }
        }
    }

    private func reportDepth() async {
        let routes = engine.routes.map { route in
            (route, Gauge(label: "relay_queue_depth", dimensions: [("rule", route.id.rule.name), ("target", route.id.target.stored)]))
        }
        let parked = plan.rules.map { rule in
            (rule.id.name, Gauge(label: "relay_dead_letters", dimensions: [("rule", rule.id.name)]))
        }
        while !Task.isCancelled {
            for (route, gauge) in routes { gauge.record(route.lane.depth) }
            if let counts = try? engine.queue.deadLetterCounts() {
                for (rule, gauge) in parked { gauge.record(counts[rule] ?? 0) }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The rules, their targets' queue depths and their counters: `GET /relay/rules`.
    public func status() -> JSONValue {
        let deadLetters = (try? engine.queue.deadLetterCounts()) ?? [:]
        var rules: [JSONValue] = []
        for rule in plan.rules {
            let ruleLanes = lanes[rule.id]
            let targets = zip(rule.targets, ruleLanes.targets).map { target, lane -> JSONValue in
                ["target": .string(target.label), "depth": .number(Double(lane.depth))]
            }
            var object: JSONObject = [
                "name": .string(rule.id.name),
                "source": ["account": .string(rule.rule.sourceAccount), "topic": .string(rule.rule.source.subscription)],
                "filter": .bool(rule.rule.filter != nil),
                "targets": .array(targets),
                "deadLetters": .number(Double(deadLetters[rule.id.name] ?? 0)),
                "counters": .object(JSONObject(ruleLanes.counters.snapshot.map { ($0.0, .number(Double($0.1))) })),
            ]
            if let errorAction = rule.errorAction, let lane = ruleLanes.errorAction {
                object["errorAction"] = ["target": .string(errorAction.label), "depth": .number(Double(lane.depth))]
            }
            rules.append(.object(object))
        }
        let accounts = config.accounts.values.sorted { $0.name < $1.name }.map { account -> JSONValue in
            var object: JSONObject = ["name": .string(account.name), "accountId": .string(account.accountID)]
            if let client = zip(plan.connections, clients).first(where: { $0.0.account.name == account.name })?.1 {
                object["connected"] = .bool(client.isConnected)
            }
            return .object(object)
        }
        return [
            "queue": ["path": .string(config.queuePath), "durability": .string(config.durability.rawValue)],
            "accounts": .array(accounts),
            "rules": .array(rules),
        ]
    }
}
