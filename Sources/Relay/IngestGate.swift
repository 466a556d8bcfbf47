import Basics
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
    /// The indices in `rules` of each subscription identifier's rules (index = identifier − 1): those sharing its
    /// filter.
    private let rulesByIdentifier: [[Int]]
    private let engine: RelayEngine
    private let pending = Mutex<[(NewDelivery, Lane)]>([])
    /// Each rule's counters and lanes, by index in `rules`. Resolved at the first message — the service installs
    /// its routes after the clients (and so this gate) exist — and touched only by the network thread.
    private nonisolated(unsafe) var resolved: [Plan]?
    /// Rejections without an error action are logged at most once a minute: a misbehaving publisher can send
    /// thousands a second.
    private let rejectionLog = Mutex(LogThrottle(interval: .seconds(60)))

    private struct Plan {
        let counters: RuleCounters
        /// The lanes of the rule's targets, in order.
        let targets: [(key: String, lane: Lane)]
        let errorLane: Lane?
    }

    init(account: RelayConfig.Account, rules: [RelayConfig.Rule], engine: RelayEngine) {
        self.account = account
        self.rules = rules
        self.rulesByIdentifier = Self.filters(of: rules).map { filter in
            rules.indices.filter { rules[$0].source.subscription == filter }
        }
        self.engine = engine
    }

    private var plans: [Plan] {
        if let resolved { return resolved }
        let plans = rules.map { rule in
            Plan(
                counters: engine.counters(rule.name),
                targets: rule.targets.indices.map { index in
                    let key = String(index)
                    return (key, engine.lane(rule: rule.name, target: key))
                },
                errorLane: engine.errorLane(rule: rule.name))
        }
        resolved = plans
        return plans
    }

    func receive(_ message: MQTTMessage) {
        let receivedAt = RelayClock.nowMilliseconds()
        let plans = plans
        var deliveries: [(NewDelivery, Lane)] = []
        for ruleIndex in ruleIndices(for: message) {
            let rule = rules[ruleIndex]
            let plan = plans[ruleIndex]
            plan.counters.add(.received)
            let messageID = engine.nextMessageID()
            let context = FieldTemplate.MessageContext(
                topic: message.topic, accountID: account.accountID, receivedAt: receivedAt,
                messageID: messageID, rule: rule.name, clientIDLevel: account.clientIDTopicLevel)
            func delivery(_ target: String, _ payload: [UInt8]) -> NewDelivery {
                NewDelivery(
                    messageID: messageID, rule: rule.name, target: target, topic: message.topic, payload: payload,
                    receivedAt: receivedAt)
            }
            switch rule.evaluate(payload: message.payload, context: context) {
            case .filteredOut:
                plan.counters.add(.filteredOut)
            case .deliver(let payload):
                plan.counters.add(.matched)
                for (key, lane) in plan.targets {
                    deliveries.append((delivery(key, payload), lane))
                }
            case .reject(let reason):
                plan.counters.add(.rejected)
                guard let lane = plan.errorLane else {
                    if let held = rejectionLog.withLock({ $0.admit() }) {
                        engine.logger.warning(
                            "relay: message rejected and the rule has no errorAction",
                            metadata: [
                                "relay.rule": "\(rule.name)", "mqtt.topic": "\(message.topic)", "reason": "\(reason)",
                                "relay.suppressed": "\(held)",
                            ])
                    }
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

    /// The indices of the rules a message is for. With MQTT v5 each distinct source filter is subscribed with its
    /// own subscription identifier (see ``subscriptions(for:)``) and the broker names the ones that matched, so a
    /// message a broker delivers twice for overlapping filters (a shared and a plain one, `data/#` and
    /// `data/private`) runs each rule once. Without identifiers (MQTT 3.1.1), by topic: overlapping filters then run
    /// a rule once per copy.
    private func ruleIndices(for message: MQTTMessage) -> [Int] {
        guard !message.subscriptionIdentifiers.isEmpty else {
            return rules.indices.filter { rules[$0].source.matches(message.topic) }
        }
        return message.subscriptionIdentifiers.flatMap { identifier -> [Int] in
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
        // Into the lanes with the queue's lock held, so each lane gets its rows in seq order (see Lane).
        try engine.queue.append(batch.map(\.0)) { seqs in
            var byLane: [ObjectIdentifier: (Lane, [QueuedDelivery])] = [:]
            for (index, (delivery, lane)) in batch.enumerated() {
                byLane[ObjectIdentifier(lane), default: (lane, [])].1.append(
                    QueuedDelivery(seq: seqs[index], delivery: delivery))
            }
            for (lane, deliveries) in byLane.values {
                lane.push(deliveries)
            }
        }
    }
}

extension RelayEngine {
    /// The lane of a rule's error action, when it has one.
    func errorLane(rule: String) -> Lane? {
        routes[Route.key(rule: rule, target: Route.errorTarget)]?.lane
    }

    /// The lane of a rule's target (`"0"`, `"1"`, …).
    func lane(rule: String, target: String) -> Lane {
        routes[Route.key(rule: rule, target: target)]!.lane
    }
}
