import Logging
import MQTT
import RelayQueue
import Synchronization

/// Where one source account's messages enter the relay, on that account's MQTT network thread.
///
/// `receive` runs each message through the rules listening on its topic and keeps the resulting deliveries in
/// memory; `commit` — before the broker gets its PUBACKs — appends them all to the durable queue in one
/// transaction and only then hands them to their lanes. A message the broker considers delivered is on disk.
final class IngestGate: MQTTInboundGate {
    private let account: RelayConfig.Account
    private let rules: [RelayConfig.Rule]
    /// The rules of each subscription identifier (index = identifier − 1): those sharing its filter.
    private let rulesByIdentifier: [[RelayConfig.Rule]]
    private let engine: RelayEngine
    private let pending = Mutex<[(NewDelivery, Lane)]>([])

    init(account: RelayConfig.Account, rules: [RelayConfig.Rule], engine: RelayEngine) {
        self.account = account
        self.rules = rules
        self.rulesByIdentifier = Self.filters(of: rules).map { filter in
            rules.filter { $0.source.subscription == filter }
        }
        self.engine = engine
    }

    func receive(_ message: MQTTMessage) {
        let receivedAt = RelayClock.nowMilliseconds()
        var deliveries: [(NewDelivery, Lane)] = []
        for rule in rules(for: message) {
            let counters = engine.counters(rule.name)
            counters.add(.received)
            let messageID = engine.nextMessageID()
            let context = FieldTemplate.MessageContext(
                topic: message.topic, topicLevels: message.topic.split(separator: "/", omittingEmptySubsequences: false),
                accountID: account.accountID, receivedAt: receivedAt, messageID: messageID, rule: rule.name,
                clientIDLevel: account.clientIDTopicLevel)
            func delivery(_ target: String, _ payload: [UInt8]) -> NewDelivery {
                NewDelivery(
                    messageID: messageID, rule: rule.name, target: target, topic: message.topic, payload: payload,
                    receivedAt: receivedAt)
            }
            switch rule.evaluate(payload: message.payload, context: context) {
            case .filteredOut:
                counters.add(.filteredOut)
            case .deliver(let payload):
                counters.add(.matched)
                for index in rule.targets.indices {
                    deliveries.append((delivery(String(index), payload), engine.lane(rule: rule.name, target: String(index))))
                }
            case .reject(let reason):
                counters.add(.rejected)
                guard let lane = engine.errorLane(rule: rule.name) else {
                    engine.logger.warning(
                        "relay: message rejected and the rule has no errorAction",
                        metadata: ["relay.rule": "\(rule.name)", "mqtt.topic": "\(message.topic)", "reason": "\(reason)"])
                    continue
                }
                let report = ErrorReport.payload(
                    rule: rule.name, reason: reason, topic: message.topic, messageID: messageID, receivedAt: receivedAt,
                    target: nil, attempts: 0, payload: message.payload)
                deliveries.append((delivery(Route.errorTarget, report), lane))
            }
        }
        guard !deliveries.isEmpty else { return }
        pending.withLock { $0 += deliveries }
    }

    /// The rules a message is for. With MQTT v5 each distinct source filter is subscribed with its own subscription
    /// identifier (see ``subscriptions(for:)``) and the broker names the ones that matched, so a message a broker
    /// delivers twice for overlapping filters (a shared and a plain one, `data/#` and `data/private`) runs each rule
    /// once. Without identifiers (MQTT 3.1.1), by topic: overlapping filters then run a rule once per copy.
    private func rules(for message: MQTTMessage) -> [RelayConfig.Rule] {
        guard !message.subscriptionIdentifiers.isEmpty else {
            return rules.filter { $0.source.matches(message.topic) }
        }
        return message.subscriptionIdentifiers.flatMap { identifier -> [RelayConfig.Rule] in
            rulesByIdentifier.indices.contains(identifier - 1) ? rulesByIdentifier[identifier - 1] : []
        }
    }

    /// One subscription per distinct source filter (a broker keeps one subscription per filter and client), in
    /// order of first use, each with its identifier: its index + 1.
    static func subscriptions(for rules: [RelayConfig.Rule]) -> [MQTTOptions.Subscription] {
        filters(of: rules).enumerated().map { index, filter in
            MQTTOptions.Subscription(filter, qos: 1, identifier: index + 1)
        }
    }

    private static func filters(of rules: [RelayConfig.Rule]) -> [String] {
        var seen = Set<String>()
        return rules.map(\.source.subscription).filter { seen.insert($0).inserted }
    }

    func commit() throws {
        let batch = pending.withLock { pending -> [(NewDelivery, Lane)] in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        let seqs = try engine.queue.append(batch.map(\.0))
        var byLane: [ObjectIdentifier: (Lane, [QueuedDelivery])] = [:]
        for (index, (delivery, lane)) in batch.enumerated() {
            byLane[ObjectIdentifier(lane), default: (lane, [])].1.append(QueuedDelivery(seq: seqs[index], delivery: delivery))
        }
        for (lane, deliveries) in byLane.values {
            lane.push(deliveries)
        }
    }
}

extension RelayEngine {
    /// The lane of a rule's error action, when it has one.
    func errorLane(rule: String) -> Lane? {
        routes[Route.key(rule: rule, target: Route.errorTarget)]?.lane
    }

    /// The lane of a rule's target (`"0"`, `"1"`, …).
    fileprivate func lane(rule: String, target: String) -> Lane {
        routes[Route.key(rule: rule, target: target)]!.lane
    }
}
