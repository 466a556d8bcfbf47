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
///
/// Built from the plan before its MQTT client: it gets its connection's plan and the lanes, which exist before
/// any client.
final class IngestGate: MQTTInboundGate {
    private let connection: ConnectionPlan
    private let plan: RelayPlan
    private let lanes: RelayLanes
    private let queue: DurableQueue
    private let messageIDs: MessageIDs
    private let logger: Logger
    private let pending = Mutex<[(NewDelivery, Lane)]>([])
    /// Rejections without an error action are logged at most once a minute: a misbehaving publisher can send
    /// thousands a second.
    private let rejectionLog = Mutex(LogThrottle(interval: .seconds(60)))

    init(
        connection: ConnectionPlan, plan: RelayPlan, lanes: RelayLanes, queue: DurableQueue, messageIDs: MessageIDs,
        logger: Logger
    ) {
        self.connection = connection
        self.plan = plan
        self.lanes = lanes
        self.queue = queue
        self.messageIDs = messageIDs
        self.logger = logger
    }

    func receive(_ message: MQTTMessage) {
        let receivedAt = RelayClock.nowMilliseconds()
        let account = connection.account
        var deliveries: [(NewDelivery, Lane)] = []
        for id in rules(for: message) {
            let rule = plan[id]
            let ruleLanes = lanes[id]
            ruleLanes.counters.add(.received)
            let messageID = messageIDs.next()
            let context = FieldTemplate.MessageContext(
                topic: message.topic, accountID: account.accountID, receivedAt: receivedAt,
                messageID: messageID, rule: id.name, clientIDLevel: account.clientIDTopicLevel)
            func delivery(_ target: TargetID, _ payload: [UInt8]) -> NewDelivery {
                NewDelivery(
                    messageID: messageID, rule: id.name, target: target.stored, topic: message.topic, payload: payload,
                    receivedAt: receivedAt)
            }
            switch rule.rule.evaluate(payload: message.payload, context: context) {
            case .filteredOut:
                ruleLanes.counters.add(.filteredOut)
            case .deliver(let payload):
                ruleLanes.counters.add(.matched)
                for (target, lane) in zip(rule.targets, ruleLanes.targets) {
                    deliveries.append((delivery(target.lane.target, payload), lane))
                }
            case .reject(let reason):
                ruleLanes.counters.add(.rejected)
                guard let lane = ruleLanes.errorAction else {
                    if let held = rejectionLog.withLock({ $0.admit() }) {
                        logger.warning(
                            "relay: message rejected and the rule has no errorAction",
                            metadata: [
                                "relay.rule": "\(id)", "mqtt.topic": "\(message.topic)", "reason": "\(reason)",
                                "relay.suppressed": "\(held)",
                            ])
                    }
                    continue
                }
                let report = ErrorReport.payload(
                    rule: id.name, reason: reason, topic: message.topic, messageID: messageID, receivedAt: receivedAt,
                    target: nil, attempts: 0, payload: message.payload)
                deliveries.append((delivery(.errorAction, report), lane))
            }
        }
        guard !deliveries.isEmpty else { return }
        pending.withLock { $0 += deliveries }
    }

    /// The rules a message is for. With MQTT v5 each distinct source filter is subscribed with its own subscription
    /// identifier (``ConnectionPlan/subscriptions``) and the broker names the ones that matched, so a message a
    /// broker delivers twice for overlapping filters (a shared and a plain one, `data/#` and `data/private`) runs
    /// each rule once. Without identifiers (MQTT 3.1.1), by topic: overlapping filters then run a rule once per copy.
    private func rules(for message: MQTTMessage) -> [RuleID] {
        guard !message.subscriptionIdentifiers.isEmpty else {
            return connection.rules.filter { plan[$0].rule.source.matches(message.topic) }
        }
        return connection.rules(identifiers: message.subscriptionIdentifiers)
    }

    func commit() throws {
        let batch = pending.withLock { pending -> [(NewDelivery, Lane)] in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        // Into the lanes with the queue's lock held, so each lane gets its rows in seq order (see Lane).
        try queue.append(batch.map(\.0)) { seqs in
            Lane.push(zip(batch, seqs).map { pending, seq in (pending.1, QueuedDelivery(seq: seq, delivery: pending.0)) })
        }
    }
}
