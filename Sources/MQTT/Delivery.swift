import Synchronization

/// The acknowledgement of one tracked publish, awaited until a deadline.
///
/// Waiting costs a continuation and nothing else: deadlines are enforced by one ``MQTTClient/Shared``
/// sweeper per client (see `sweepExpiredDeliveries`), not by a timer task per publish — at thousands of
/// acknowledged publishes a second (robot-server), a timer each was most of the cost.
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

    /// Fails the delivery because its deadline passed (no-op if it completed meanwhile).
    func expire() {
        complete(.failure(MQTTError(.publish, "no acknowledgement from the broker within \(timeout)")))
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
