import Basics
import Logging
import RelayQueue
import Synchronization


/// The relay's moving parts once built: the durable queue, a lane and sender per rule target, the committer,
/// and the per-rule counters. ``settle(_:_:)`` is the one place that decides what a delivery's outcome means.
final class RelayEngine: Sendable {
    let queue: DurableQueue
    let logger: Logger
    let committer: Committer
    /// Every route by lane key (`rule/target`), filled once by ``RelayService`` before anything runs.
    var routes: [String: Route] { routeTable.withLock { $0 } }
    private let routeTable = Mutex<[String: Route]>([:])
    private let ruleCounters: [String: RuleCounters]
    private let idPrefix: String
    private let sequence = Atomic<UInt64>(0)
    private let parkThrottle = Mutex(LogThrottle(interval: .seconds(60)))

    init(queue: DurableQueue, rules: [RelayConfig.Rule], logger: Logger) {
        self.queue = queue
        self.logger = logger
        self.committer = Committer(queue: queue, logger: logger)
        self.ruleCounters = Dictionary(uniqueKeysWithValues: rules.map { ($0.name, RuleCounters(rule: $0.name)) })
        // A per-start random prefix and a counter: unique across restarts and instances without coordination.
        self.idPrefix = String(UInt64.random(in: 1...UInt64.max), radix: 16)
    }

    func install(_ routes: [Route]) {
        routeTable.withLock { table in
            for route in routes { table[route.lane.key] = route }
        }
    }

    func counters(_ rule: String) -> RuleCounters { ruleCounters[rule]! }

    /// A new stable message id: it stays with the message through retries, restarts and every target.
    func nextMessageID() -> String {
        "\(idPrefix)-\(sequence.add(1, ordering: .relaxed).newValue)"
    }

    /// Applies the outcomes of one send: completions and retries go to the committer, exhausted or refused
    /// deliveries to the error action, and what must wait goes back to the front of the lane.
    func settle(_ route: Route, _ outcomes: [(QueuedDelivery, DeliveryResult)]) {
        let counters = route.counters
        var again: [QueuedDelivery] = []
        var completed: [Int64] = []
        var reason = ""
        var failed = false
        for (queued, result) in outcomes {
            switch result {
            case .delivered:
                completed.append(queued.seq)
            case .unreachable(let why):
                again.append(queued)
                reason = why
                failed = true
            case .failed(let why, let permanent):
                failed = true
                reason = why
                var retried = queued
                retried.delivery.attempts += 1
                retried.delivery.lastError = why
                let exhausted = permanent || retried.delivery.attempts >= route.rule.maxAttempts
                if exhausted, !route.isErrorAction, let errorLane = errorLane(rule: route.rule.name) {
                    counters.add(.failed)
                    counters.add(.deadLettered)
                    committer.replace(queued.seq, with: deadLetter(retried, route: route, reason: why), lane: errorLane)
                } else if exhausted {
                    // Nowhere to go (a rule without an error action, or the error action itself): parked in the
                    // dead letters, out of the lane, so the messages behind it go on; replayable.
                    counters.add(.failed)
                    counters.add(.parked)
                    committer.park(
                        .init(
                            seq: queued.seq, attempts: retried.delivery.attempts, lastError: why,
                            parkedAt: RelayClock.nowMilliseconds()))
                    parkLog(route, reason: why)
                } else {
                    counters.add(.retried)
                    committer.retry(
                        .init(
                            seq: queued.seq, attempts: retried.delivery.attempts,
                            notBefore: RelayClock.nowMilliseconds(), lastError: why))
                    again.append(retried)
                }
            }
        }
        committer.completed(completed)
        counters.add(route.isErrorAction ? .errorActions : .delivered, completed.count)
        // A lane whose only failures were parked goes on at once.
        let failures = route.lane.finished(outcomes.count, failed: failed && !again.isEmpty)
        if !again.isEmpty {
            let pause = route.backoff.delay(attempt: max(0, failures - 1))
            route.lane.requeue(again, pause: pause)
            if failures == 1 || failures % 20 == 0 {
                logger.warning(
                    "relay: \(route.label) failed; retrying in \(pause)",
                    metadata: [
                        "relay.rule": "\(route.rule.name)", "relay.target": "\(route.label)", "reason": "\(reason)",
                        "relay.failures": "\(failures)", "relay.waiting": "\(route.lane.depth)",
                    ])
            }
        }
    }

    private func deadLetter(_ queued: QueuedDelivery, route: Route, reason: String) -> NewDelivery {
        let delivery = queued.delivery
        let report = ErrorReport.payload(
            rule: delivery.rule, reason: reason, topic: delivery.topic, messageID: delivery.messageID,
            receivedAt: delivery.receivedAt, target: route.label, attempts: delivery.attempts, payload: delivery.payload)
        return NewDelivery(
            messageID: delivery.messageID, rule: delivery.rule, target: Route.errorTarget, topic: delivery.topic,
            payload: report, receivedAt: delivery.receivedAt)
    }

    /// Parks are rare, but a misconfigured webhook can park every message: one line a minute per engine.
    private func parkLog(_ route: Route, reason: String) {
        guard let held = parkThrottle.withLock({ $0.admit() }) else { return }
        let listing = "GET /relay/dead-letters?rule=\(route.rule.name)"
        logger.error(
            "relay: \(route.label) refused a delivery for good and the rule has no errorAction; parked (\(listing))",
            metadata: [
                "relay.rule": "\(route.rule.name)", "relay.target": "\(route.label)", "reason": "\(reason)",
                "relay.suppressed": "\(held)",
            ])
    }

    /// Runs one lane: takes batches and hands them to the sender, `concurrency` at a time, until stopped; pages the
    /// lane's backlog in from the queue file when it asks.
    func drive(_ route: Route) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<route.sender.concurrency {
                group.addTask {
                    while let turn = await route.lane.take(max: route.sender.batchSize) {
                        switch turn {
                        case .batch(let batch):
                            await route.sender.send(batch) { outcomes in self.settle(route, outcomes) }
                        case .page(let from, let limit):
                            self.page(route, from: from, limit: limit)
                        }
                    }
                }
            }
        }
    }

    /// Reads the next page of a lane's backlog from the queue file into the lane.
    private func page(_ route: Route, from seq: Int64, limit: Int) {
        do throws(QueueError) {
            try queue.pending(rule: route.rule.name, target: route.target, from: seq, limit: limit) { rows in
                route.lane.paged(rows, limit: limit)
            }
        } catch {
            route.lane.pagingFailed(pause: .seconds(1))
            logger.error(
                "relay: cannot read the lane's backlog from the queue; retrying in 1 s",
                metadata: ["relay.lane": "\(route.lane.key)", "error": "\(error)"])
        }
    }
}
