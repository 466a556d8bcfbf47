import Basics
import Logging
import RelayQueue
import Synchronization

/// The relay's moving parts once built: the durable queue, the routes (a lane and sender per rule target), and
/// the committer. ``settle(_:_:)`` performs what each lane's ``DeliveryPolicy`` decides.
final class RelayEngine: Sendable {
    let queue: DurableQueue
    let logger: Logger
    let committer: Committer
    /// Every lane of the plan, rule by rule: each rule's targets, then its error action.
    let routes: [Route]
    private let parkThrottle = Mutex(LogThrottle(interval: .seconds(60)))

    init(queue: DurableQueue, routes: [Route], logger: Logger) {
        self.queue = queue
        self.logger = logger
        self.committer = Committer(queue: queue, logger: logger)
        self.routes = routes
    }

    /// Applies the outcomes of one send: the policy's effects go to the committer, the counters and the log; what
    /// must wait goes back to the front of the lane, which pauses.
    func settle(_ route: Route, _ outcomes: [(QueuedDelivery, DeliveryResult)]) {
        let policy = route.plan.policy
        let settlement = policy.settle(outcomes, now: RelayClock.nowMilliseconds())
        for effect in settlement.effects {
            perform(effect, route)
        }
        // A lane whose only failures were parked or sent to the error action goes on at once.
        let failures = route.lane.finished(settlement.settled, failed: !settlement.requeue.isEmpty)
        guard !settlement.requeue.isEmpty else { return }
        let pause = policy.pause(afterFailures: failures, random: Double.random(in: 0...1))
        route.lane.requeue(settlement.requeue, pause: pause.delay)
        if pause.logged {
            logger.warning(
                "relay: \(route.label) failed; retrying in \(pause.delay)",
                metadata: [
                    "relay.rule": "\(route.id.rule)", "relay.target": "\(route.label)", "reason": "\(settlement.reason)",
                    "relay.failures": "\(failures)", "relay.waiting": "\(route.lane.depth)",
                ])
        }
    }

    private func perform(_ effect: DeliveryPolicy.Effect, _ route: Route) {
        switch effect {
        case .count(let name, let count):
            route.counters.add(name, count)
        case .recordRetry(let retry):
            committer.retry(retry)
        case .runErrorAction(let seq, let report):
            guard let errorLane = route.errorLane else {
                // The plan gives an error action's role only to targets of a rule that has one.
                logger.error("relay: \(route.id) has no error action lane; delivery \(seq) stays in the queue")
                return
            }
            committer.replace(seq, with: report, lane: errorLane)
        case .park(let park):
            committer.park(park)
        case .logParked(let reason):
            parkLog(route, reason: reason)
        case .complete(let seqs):
            committer.completed(seqs)
        }
    }

    /// Parks are rare, but a misconfigured webhook can park every message: one line a minute per engine.
    private func parkLog(_ route: Route, reason: String) {
        guard let held = parkThrottle.withLock({ $0.admit() }) else { return }
        let listing = "GET /relay/dead-letters?rule=\(route.id.rule)"
        logger.error(
            "relay: \(route.label) refused a delivery for good and the rule has no errorAction; parked (\(listing))",
            metadata: [
                "relay.rule": "\(route.id.rule)", "relay.target": "\(route.label)", "reason": "\(reason)",
                "relay.suppressed": "\(held)",
            ])
    }

    /// Runs one lane: takes batches and hands them to the sender, `concurrency` at a time, until stopped; pages the
    /// lane's backlog in from the queue file when it asks.
    func drive(_ route: Route) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<route.plan.concurrency {
                group.addTask {
                    while let turn = await route.lane.take(max: route.plan.batchSize) {
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
            try queue.pending(rule: route.id.rule.name, target: route.id.target.stored, from: seq, limit: limit) { rows in
                route.lane.paged(rows, limit: limit)
            }
        } catch {
            route.lane.pagingFailed(pause: .seconds(1))
            logger.error(
                "relay: cannot read the lane's backlog from the queue; retrying in 1 s",
                metadata: ["relay.lane": "\(route.id)", "error": "\(error)"])
        }
    }
}
