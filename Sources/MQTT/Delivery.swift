import Synchronization

/// The acknowledgement of one tracked publish, awaited until a deadline.
///
/// Waiting costs a continuation and nothing else: deadlines are enforced by one ``ClientCore`` sweeper per
/// client (see `sweepExpiredDeliveries`) over its ``DeliveryTracker``, not by a timer task per publish — at
/// thousands of acknowledged publishes a second (robot-server), a timer each was most of the cost.
final class Delivery: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Result<Void, MQTTError>, Never>)
        case done(Result<Void, MQTTError>)
    }

    let deadline: ContinuousClock.Instant
    let timeout: Duration
    private let state = Mutex(State.pending)
    /// Called once with the outcome, on whichever thread settles it (the network thread for an acknowledgement).
    private let onComplete: (@Sendable (Result<Void, MQTTError>) -> Void)?

    init(timeout: Duration, onComplete: (@Sendable (Result<Void, MQTTError>) -> Void)? = nil) {
        self.timeout = timeout
        self.deadline = .now + timeout
        self.onComplete = onComplete
    }

    func complete(_ result: Result<Void, MQTTError>) {
        if let onComplete {
            let first = state.withLock { state -> Bool in
                if case .done = state { return false }
                state = .done(result)
                return true
            }
            if first { onComplete(result) }
            return
        }
        let waiter = state.withLock { state -> CheckedContinuation<Result<Void, MQTTError>, Never>? in
            switch state {
            case .pending:
                state = .done(result)
                return nil
            case .waiting(let continuation):
                state = .done(result)
                return continuation
            case .done:
                return nil
            }
        }
        waiter?.resume(returning: result)
    }

    func wait() async throws(MQTTError) {
        let result = await withCheckedContinuation { continuation in
            let finished = state.withLock { state -> Result<Void, MQTTError>? in
                switch state {
                case .pending:
                    state = .waiting(continuation)
                    return nil
                case .waiting:
                    preconditionFailure("a delivery is awaited once")
                case .done(let result):
                    return result
                }
            }
            if let finished { continuation.resume(returning: finished) }
        }
        try result.get()
    }
}

/// The acknowledgements of a batch of tracked publishes: one object for the whole batch, its members told apart by
/// index. Each member completes once — whoever takes its entry out of the client's table (its acknowledgement,
/// the sweeper, the shutdown) completes it — so no lock per member is needed.
final class DeliveryBatch: Sendable {
    let deadline: ContinuousClock.Instant
    let timeout: Duration
    /// Called once per member with its index and outcome.
    let onComplete: @Sendable (Int, Result<Void, MQTTError>) -> Void

    init(timeout: Duration, onComplete: @escaping @Sendable (Int, Result<Void, MQTTError>) -> Void) {
        self.timeout = timeout
        self.deadline = .now + timeout
        self.onComplete = onComplete
    }
}

/// What an outstanding message id is waiting for: a delivery of its own, or a member of a batch.
enum TrackedDelivery: Sendable {
    case single(Delivery)
    case member(DeliveryBatch, index: Int)

    var deadline: ContinuousClock.Instant {
        switch self {
        case .single(let delivery): delivery.deadline
        case .member(let batch, _): batch.deadline
        }
    }

    func complete(_ result: Result<Void, MQTTError>) {
        switch self {
        case .single(let delivery): delivery.complete(result)
        case .member(let batch, let index): batch.onComplete(index, result)
        }
    }

    func expire() {
        let timeout = switch self {
        case .single(let delivery): delivery.timeout
        case .member(let batch, _): batch.timeout
        }
        complete(.failure(MQTTError(.publish, "no acknowledgement from the broker within \(timeout)")))
    }
}
