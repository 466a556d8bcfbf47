import Basics

/// One lane: a rule's target or error action — where its deliveries go, how they are paced, and what their
/// outcomes mean (``DeliveryPolicy``).
struct TargetPlan: Sendable {
    let lane: LaneID
    let destination: Destination
    /// A short name for logs, metrics and the status page, without a webhook's secrets (``RelayConfig/Target/label``).
    let label: String
    /// Deliveries per send call: 1000 for MQTT (one pipelined burst), 10 for SQS (SendMessageBatch), 1 for a webhook.
    let batchSize: Int
    /// Send calls in flight at once: 1 for MQTT, the account's `concurrency` for SQS, 4 for a webhook.
    let concurrency: Int
    /// How many deliveries may be out at once: for an MQTT target the account's `maxInflight`, else
    /// `batchSize × concurrency`. (Twice `maxInflight`, with libmosquitto queueing the rest, made each publish
    /// cheaper, but then every PUBACK released a single PUBLISH and the destination broker got them in small
    /// bursts: slower end to end.)
    let window: Int
    /// The most deliveries the lane holds in memory (``RelayPlan/laneCapacity(window:)``).
    let capacity: Int
    let policy: DeliveryPolicy

    /// Where deliveries go, resolved against the accounts.
    enum Destination: Sendable {
        /// Republish through the relay's connection to that account's broker.
        case mqtt(ConnectionID, topic: TopicTemplate, qos: Int32)
        /// SendMessageBatch to `queueURL` (`<endpoint>/<accountId>/<queue>`) with the account's credentials.
        case sqs(RelayConfig.AccountSQS, queueURL: String, base64: Bool)
        case webhook(url: String, headers: [(String, String)], timeout: Duration)
    }

    init(
        _ lane: LaneID, _ target: RelayConfig.Target, rule: RelayConfig.Rule, role: DeliveryPolicy.Role,
        config: RelayConfig, connections: [String: ConnectionID]
    ) throws(RelayPlan.Error) {
        self.lane = lane
        self.label = target.label
        switch target {
        case .mqtt(let account, let topic, let qos):
            guard let connection = connections[account], let mqtt = config.accounts[account]?.mqtt else {
                throw RelayPlan.Error(description: "lane \(lane): account \"\(account)\" has no mqtt section")
            }
            destination = .mqtt(connection, topic: topic, qos: qos)
            (batchSize, concurrency, window) = (1000, 1, mqtt.maxInflight)
        case .sqs(let account, let queue, let base64):
            guard let destinationAccount = config.accounts[account], let sqs = destinationAccount.sqs else {
                throw RelayPlan.Error(description: "lane \(lane): account \"\(account)\" has no sqs section")
            }
            let base = sqs.endpoint.hasSuffix("/") ? String(sqs.endpoint.dropLast()) : sqs.endpoint
            destination = .sqs(sqs, queueURL: "\(base)/\(destinationAccount.accountID)/\(queue)", base64: base64)
            (batchSize, concurrency) = (10, sqs.concurrency)
            window = batchSize * concurrency
        case .webhook(let url, let headers, let timeoutMs):
            destination = .webhook(url: url, headers: headers, timeout: .milliseconds(timeoutMs))
            (batchSize, concurrency) = (1, 4)
            window = batchSize * concurrency
        }
        self.capacity = RelayPlan.laneCapacity(window: window)
        self.policy = DeliveryPolicy(
            role: role, maxAttempts: rule.maxAttempts, label: label,
            backoff: CappedBackoff(
                initial: .milliseconds(rule.retryInitialMs), maximum: .milliseconds(rule.retryMaxMs), jitter: 0.2))
    }
}
