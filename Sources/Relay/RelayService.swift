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
/// Building it opens the queue (so a bad path stops the start with its reason) and nothing else; ``run()``
/// resumes what the queue still holds, connects, and relays until shutdown.
public final class RelayService: Service {
    public let config: RelayConfig
    private let logger: Logger
    let engine: RelayEngine
    private let clients: [String: MQTTClient]
    private let httpClient: HTTPClient

    public init(config: RelayConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let queue = try DurableQueue(path: config.queuePath, durability: config.durability)
        let engine = RelayEngine(queue: queue, rules: config.rules, logger: logger)
        self.engine = engine
        // A refused connection fails at once (the lane pauses and retries) instead of being retried inside
        // AsyncHTTPClient until the request's deadline.
        var http = HTTPClient.Configuration()
        http.connectionPool.retryConnectionEstablishment = false
        self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)

        var clients: [String: MQTTClient] = [:]
        for account in config.accounts.values {
            guard let mqtt = account.mqtt else { continue }
            let rules = config.rules.filter { $0.sourceAccount == account.name }
            let gate = rules.isEmpty ? nil : IngestGate(account: account, rules: rules, engine: engine)
            clients[account.name] = try MQTTClient(
                options: Self.options(mqtt, subscriptions: IngestGate.subscriptions(for: rules)),
                logger: logger, gate: gate)
        }
        self.clients = clients

        var routes: [Route] = []
        for rule in config.rules {
            var targets = rule.targets.enumerated().map { (String($0.offset), $0.element) }
            if let errorAction = rule.errorAction { targets.append((Route.errorTarget, errorAction)) }
            for (target, destination) in targets {
                let sender = try Self.sender(for: destination, rule: rule, config: config, clients: clients, http: httpClient)
                let window = Self.window(for: destination, sender: sender, config: config)
                routes.append(
                    Route(
                        rule: rule, target: target, label: destination.label,
                        lane: Lane(
                            key: Route.key(rule: rule.name, target: target), window: window,
                            capacity: Self.laneCapacity(window: window)),
                        sender: sender,
                        backoff: CappedBackoff(
                            initial: .milliseconds(rule.retryInitialMs), maximum: .milliseconds(rule.retryMaxMs), jitter: 0.2),
                        counters: engine.counters(rule.name)))
            }
        }
        engine.install(routes)
    }

    /// How many of a lane's deliveries may be out at once: for an MQTT target the account's `maxInflight`. (Twice
    /// that, with libmosquitto queueing the rest, made each publish cheaper, but then every PUBACK released a single
    /// PUBLISH and the destination broker got them in small bursts: slower end to end.)
    private static func window(for destination: RelayConfig.Target, sender: any TargetSender, config: RelayConfig) -> Int {
        guard destination.isMQTT, let mqtt = destination.account.flatMap({ config.accounts[$0]?.mqtt }) else {
            return sender.batchSize * sender.concurrency
        }
        return mqtt.maxInflight
    }

    /// The most deliveries a lane holds in memory: 8 windows, at least 8192 — a few MB of a few hundred bytes
    /// each. The rest of a backlog stays in the queue file and is paged in as the lane drains.
    static func laneCapacity(window: Int) -> Int {
        max(8 * window, 8192)
    }

    private static func options(_ mqtt: RelayConfig.AccountMQTT, subscriptions: [MQTTOptions.Subscription]) -> MQTTOptions {
        let settings = mqtt.settings
        return MQTTOptions(
            host: settings.endpoint, port: settings.port, clientID: mqtt.clientID, caFile: settings.caFile,
            certFile: settings.certFile, keyFile: settings.keyFile, alpn: settings.alpn,
            keepAliveSeconds: settings.keepAliveSeconds,
            // A persistent session: what arrives while the relay is away waits at the broker, and what it received
            // but had not acknowledged when it died comes again.
            cleanSession: false,
            protocolVersion: settings.protocolVersion == 5 ? .v5 : .v311, subscriptions: subscriptions,
            backoff: CappedBackoff(
                initial: .milliseconds(settings.reconnectInitialMs), maximum: .milliseconds(settings.reconnectMaxMs),
                jitter: 0.5),
            connectTimeout: .seconds(settings.connectTimeoutSeconds), maxInflightMessages: mqtt.maxInflight)
    }

    private static func sender(
        for target: RelayConfig.Target, rule: RelayConfig.Rule, config: RelayConfig, clients: [String: MQTTClient],
        http: HTTPClient
    ) throws -> any TargetSender {
        switch target {
        case .mqtt(let account, let topic, let qos):
            let source = config.accounts[rule.sourceAccount]!
            return MQTTSender(client: clients[account]!, topic: topic, qos: qos) { queued in
                let delivery = queued.delivery
                return FieldTemplate.MessageContext(
                    topic: delivery.topic,
                    accountID: source.accountID, receivedAt: delivery.receivedAt, messageID: delivery.messageID,
                    rule: delivery.rule, clientIDLevel: source.clientIDTopicLevel)
            }
        case .sqs(let account, let queue, let base64):
            let destination = config.accounts[account]!
            let sqs = destination.sqs!
            let credentials = AWSCredentials(
                accessKeyID: sqs.accessKeyID, secretAccessKey: sqs.secretAccessKey, sessionToken: sqs.sessionToken)
            let client = SQSClient(endpoint: sqs.endpoint, region: sqs.region, credentials: { credentials }, httpClient: http)
            let base = sqs.endpoint.hasSuffix("/") ? String(sqs.endpoint.dropLast()) : sqs.endpoint
            return SQSSender(
                client: client, queueURL: "\(base)/\(destination.accountID)/\(queue)", base64: base64,
                concurrency: sqs.concurrency)
        case .webhook(let url, let headers, let timeoutMs):
            return WebhookSender(client: http, url: url, headers: headers, timeout: .milliseconds(timeoutMs))
        }
    }

    public func run() async throws {
        try resume()
        for client in clients.values { client.start() }
        logger.notice(
            "relay running",
            metadata: [
                "relay.rules": "\(config.rules.count)", "relay.accounts": "\(clients.count)",
                "relay.queue": "\(config.queuePath)",
            ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.engine.committer.run() }
            for route in engine.routes.values {
                group.addTask { await self.engine.drive(route) }
            }
            for (name, client) in clients {
                group.addTask { await self.watch(client, account: name) }
            }
            group.addTask { await self.reportDepth() }
            try? await gracefulShutdown()
            // Sources first: nothing new arrives; what is queued stays on disk for the next start.
            for client in clients.values { await client.disconnect() }
            for route in engine.routes.values { route.lane.stop() }
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
        let routes = engine.routes
        for (key, count) in depth.byTarget {
            guard let route = routes[key] else {
                logger.warning(
                    "relay: \(count) queued deliveries belong to a rule target no longer configured; kept in the queue",
                    metadata: ["relay.lane": "\(key)"])
                continue
            }
            route.lane.spill(from: 0, count: count)
            engine.counters(route.rule.name).add(.resumed, count)
        }
        logger.notice("relay: resuming \(depth.total) undelivered deliveries from the queue")
    }

    private func watch(_ client: MQTTClient, account: String) async {
        var failures = 0
        // A connection cut at every reconnect (a queue that cannot commit) must not flood the journal.
        var lost = LogThrottle(interval: .seconds(60))
        for await event in client.events {
            let metadata: Logger.Metadata = ["relay.account": "\(account)", "mqtt.endpoint": "\(client.options.endpoint)"]
            switch event {
            case .connected:
                failures = 0
                logger.notice("relay: connected", metadata: metadata)
            case .connectionLost(let reason):
                guard let held = lost.admit() else { continue }
                let also = held > 0 ? " (and \(held) more times since the last report)" : ""
                logger.warning("relay: connection lost: \(reason)\(also)", metadata: metadata)
            case .connectFailed(let reason, let retryIn):
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("relay: cannot connect (\(failures)×): \(reason); retrying in \(retryIn)", metadata: metadata)
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
        let routes = engine.routes.values.map { route in
            (route, Gauge(label: "relay_queue_depth", dimensions: [("rule", route.rule.name), ("target", route.target)]))
        }
        let parked = Dictionary(
            uniqueKeysWithValues: config.rules.map { rule in
                (rule.name, Gauge(label: "relay_dead_letters", dimensions: [("rule", rule.name)]))
            })
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
        let routes = engine.routes
        let deadLetters = (try? engine.queue.deadLetterCounts()) ?? [:]
        var rules: [JSONValue] = []
        for rule in config.rules {
            var targets: [JSONValue] = []
            for index in rule.targets.indices {
                guard let route = routes[Route.key(rule: rule.name, target: String(index))] else { continue }
                targets.append(["target": .string(route.label), "depth": .number(Double(route.lane.depth))])
            }
            var object: JSONObject = [
                "name": .string(rule.name),
                "source": ["account": .string(rule.sourceAccount), "topic": .string(rule.source.subscription)],
                "filter": .bool(rule.filter != nil),
                "targets": .array(targets),
                "deadLetters": .number(Double(deadLetters[rule.name] ?? 0)),
                "counters": .object(JSONObject(engine.counters(rule.name).snapshot.map { ($0.0, .number(Double($0.1))) })),
            ]
            if let route = routes[Route.key(rule: rule.name, target: Route.errorTarget)] {
                object["errorAction"] = ["target": .string(route.label), "depth": .number(Double(route.lane.depth))]
            }
            rules.append(.object(object))
        }
        let accounts = config.accounts.values.sorted { $0.name < $1.name }.map { account -> JSONValue in
            var object: JSONObject = ["name": .string(account.name), "accountId": .string(account.accountID)]
            if let client = clients[account.name] { object["connected"] = .bool(client.isConnected) }
            return .object(object)
        }
        return [
            "queue": ["path": .string(config.queuePath), "durability": .string(config.durability.rawValue)],
            "accounts": .array(accounts),
            "rules": .array(rules),
        ]
    }
}

extension RelayConfig.Target {
    var isMQTT: Bool { if case .mqtt = self { true } else { false } }

    var account: String? {
        switch self {
        case .mqtt(let account, _, _), .sqs(let account, _, _): account
        case .webhook: nil
        }
    }
}
