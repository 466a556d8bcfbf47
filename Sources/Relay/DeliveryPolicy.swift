import RelayQueue
import Basics

/// What the outcome of a delivery attempt means, as a pure policy: outcomes in, effects out, time and randomness
/// passed in — as `DriveController` is for drive commands. ``RelayEngine`` performs the effects (the committer,
/// the lane, the counters, the log).
///
/// - Delivered: marked done in the queue, counted.
/// - Unreachable (not attempted): back to the front of the lane, no attempt counted; the lane waits.
/// - Failed: one more attempt recorded. Refused for good, or out of attempts (`maxAttempts`): to the rule's error
///   action, or — an error action's own failure, or a rule without one — parked in the dead letters so the lane
///   goes on. Otherwise back to the front of the lane, which waits.
/// - A lane that put something back pauses for its back-off, growing with its failed sends in a row; the 1st and
///   every 20th such failure is logged.
struct DeliveryPolicy: Sendable, Equatable {
    /// Which of its rule's lanes this is.
    enum Role: Sendable, Equatable {
        /// One of the rule's targets; `withErrorAction`: the rule has an error action, where failures go.
        case target(withErrorAction: Bool)
        /// The rule's error action: its failures have nowhere further to go.
        case errorAction
    }

    let role: Role
    /// Failed attempts after which a delivery fails for good.
    let maxAttempts: Int
    /// The lane's label: the `target` of the error reports it writes.
    let label: String
    /// The lane's pause after failed sends in a row.
    let backoff: CappedBackoff

    /// What becomes of one delivery.
    enum Verdict: Sendable, Equatable {
        case delivered
        /// Not attempted: back to the lane, with the attempts it had.
        case wait(reason: String)
        /// Failed, `attempts` in all: back to the lane, to be tried again.
        case retry(attempts: Int, reason: String)
        /// Failed for good after `attempts`: replaced by an error report in the rule's error action.
        case errorAction(attempts: Int, reason: String)
        /// Failed for good after `attempts`, with nowhere to go: parked in the dead letters (replayable).
        case park(attempts: Int, reason: String)
    }

    /// Something the engine does.
    enum Effect: Sendable, Equatable {
        /// Add to a counter of the rule.
        case count(RuleCounters.Name, Int)
        /// Record a failed attempt in the queue.
        case recordRetry(QueueChanges.Retry)
        /// Replace the delivery `seq` in the queue by `report`, which then enters the error action's lane.
        case runErrorAction(replacing: Int64, report: NewDelivery)
        /// Move the delivery to the dead letters.
        case park(QueueChanges.Park)
        /// Tell the operator that a delivery was parked (at most once a minute).
        case logParked(reason: String)
        /// Mark these deliveries done in the queue.
        case complete([Int64])
    }

    /// The effects of one send's outcomes, and what goes back to the lane.
    struct Settlement: Sendable, Equatable {
        var effects: [Effect] = []
        /// How many deliveries came back from the sender (no longer in flight).
        var settled = 0
        /// Back to the front of the lane, in order; the lane then pauses (see ``pause(afterFailures:random:)``).
        var requeue: [QueuedDelivery] = []
        /// Why the last failure failed, for the log.
        var reason = ""
    }

    /// The lane's pause after a send put deliveries back.
    struct Pause: Sendable, Equatable {
        var delay: Duration
        /// Whether to log it: the 1st and every 20th failed send in a row.
        var logged: Bool
    }

    func verdict(_ delivery: NewDelivery, _ result: DeliveryResult) -> Verdict {
        switch result {
        case .delivered:
            return .delivered
        case .unreachable(let reason):
            return .wait(reason: reason)
        case .failed(let reason, let permanent):
            let attempts = delivery.attempts + 1
            guard permanent || attempts >= maxAttempts else { return .retry(attempts: attempts, reason: reason) }
            return role == .target(withErrorAction: true)
                ? .errorAction(attempts: attempts, reason: reason) : .park(attempts: attempts, reason: reason)
        }
    }

    /// The effects of one send's outcomes at `now` (wall-clock milliseconds).
    func settle(_ outcomes: [(QueuedDelivery, DeliveryResult)], now: Int64) -> Settlement {
        var settlement = Settlement(settled: outcomes.count)
        var completed: [Int64] = []
        for (queued, result) in outcomes {
            switch verdict(queued.delivery, result) {
            case .delivered:
                completed.append(queued.seq)
            case .wait(let reason):
                settlement.requeue.append(queued)
                settlement.reason = reason
            case .retry(let attempts, let reason):
                settlement.reason = reason
                settlement.effects += [
                    .count(.retried, 1),
                    .recordRetry(.init(seq: queued.seq, attempts: attempts, notBefore: now, lastError: reason)),
                ]
                var retried = queued
                retried.delivery.attempts = attempts
                retried.delivery.lastError = reason
                settlement.requeue.append(retried)
            case .errorAction(let attempts, let reason):
                settlement.reason = reason
                settlement.effects += [
                    .count(.failed, 1), .count(.deadLettered, 1),
                    .runErrorAction(replacing: queued.seq, report: report(queued.delivery, attempts: attempts, reason: reason)),
                ]
            case .park(let attempts, let reason):
                settlement.reason = reason
                settlement.effects += [
                    .count(.failed, 1), .count(.parked, 1),
                    .park(.init(seq: queued.seq, attempts: attempts, lastError: reason, parkedAt: now)),
                    .logParked(reason: reason),
                ]
            }
        }
        if !completed.isEmpty {
            settlement.effects += [
                .complete(completed), .count(role == .errorAction ? .errorActions : .delivered, completed.count),
            ]
        }
        return settlement
    }

    /// The pause after `failures` failed sends in a row (≥ 1), given a random number in 0…1 for the jitter.
    func pause(afterFailures failures: Int, random: Double) -> Pause {
        Pause(
            delay: backoff.delay(attempt: max(0, failures - 1), random: random),
            logged: failures == 1 || failures % 20 == 0)
    }

    /// The error action's delivery for a failed one: the same message id, rule, topic and receive time, and as
    /// payload the error report (``ErrorReport``).
    func report(_ delivery: NewDelivery, attempts: Int, reason: String) -> NewDelivery {
        let payload = ErrorReport.payload(
            rule: delivery.rule, reason: reason, topic: delivery.topic, messageID: delivery.messageID,
            receivedAt: delivery.receivedAt, target: label, attempts: attempts, payload: delivery.payload)
        return NewDelivery(
            messageID: delivery.messageID, rule: delivery.rule, target: TargetID.errorAction.stored,
            topic: delivery.topic, payload: payload, receivedAt: delivery.receivedAt)
    }
}
