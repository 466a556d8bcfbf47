import Synchronization

/// The acknowledgement of one tracked publish, awaited with a timeout.
final class Delivery: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Result<Void, MQTTError>, Never>)
        case done(Result<Void, MQTTError>)
    }

    private let state = Mutex(State.pending)

    func complete(_ result: Result<Void, MQTTError>) {
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

    func wait(timeout: Duration) async throws(MQTTError) {
        let result = await withTaskGroup(of: Result<Void, MQTTError>?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let finished = self.state.withLock { state -> Result<Void, MQTTError>? in
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
            }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                self.complete(.failure(MQTTError(.publish, "no acknowledgement from the broker within \(timeout)")))
                return nil
            }
            var outcome: Result<Void, MQTTError> = .success(())
            for await case let value? in group {
                outcome = value
                group.cancelAll()
            }
            return outcome
        }
        try result.get()
    }
}
