import RelayQueue
import Synchronization

/// The deliveries waiting for one target of one rule, oldest first, and that target's back-off.
///
/// Items enter when they are durable (after the queue committed them) and leave in batches to the target's
/// sender; at most ``window`` are out at once. When the destination is unreachable or fails, the items go back
/// to the front and the whole lane pauses — one back-off per destination, not a timer per message.
final class Lane: Sendable {
    /// `rule/target`: the key rows carry in the durable queue.
    let key: String
    let window: Int

    private struct State {
        var items: [QueuedDelivery] = []
        var head = 0
        var inflight = 0
        var pausedUntil: ContinuousClock.Instant?
        var consecutiveFailures = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false

        var waiting: Int { items.count - head }

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            defer { waiters = [] }
            return waiters
        }

        mutating func compact() {
            if head > 4096, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex(State())

    init(key: String, window: Int) {
        self.key = key
        self.window = window
    }

    /// Waiting plus in flight.
    var depth: Int { state.withLock { $0.waiting + $0.inflight } }

    func push(_ deliveries: [QueuedDelivery]) {
        guard !deliveries.isEmpty else { return }
        let waiters = state.withLock { state in
            state.items += deliveries
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }

    /// Puts deliveries that did not go through back at the front and pauses the lane for `pause`.
    func requeue(_ deliveries: [QueuedDelivery], pause: Duration) {
        state.withLock { state in
            state.items.replaceSubrange(state.head..<state.head, with: deliveries)
            let until = ContinuousClock.now + pause
            state.pausedUntil = max(state.pausedUntil ?? until, until)
        }
    }

    /// `count` deliveries came back from the sender; returns the failures in a row so far (0 after a success).
    @discardableResult
    func finished(_ count: Int, failed: Bool) -> Int {
        let (waiters, failures) = state.withLock { state in
            state.inflight -= count
            state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0
            if !failed { state.pausedUntil = nil }
            // A sender waiting for room is woken when half the window is free, not at every acknowledgement:
            // it then takes one large batch instead of many single deliveries.
            let wake = failed || state.inflight <= window / 2
            return (wake ? state.takeWaiters() : [], state.consecutiveFailures)
        }
        waiters.forEach { $0.resume() }
        return failures
    }

    /// The next batch of at most `max`, when there is one, room in the window, and no pause; nil once stopped.
    func take(max: Int) async -> [QueuedDelivery]? {
        while true {
            enum Next { case batch([QueuedDelivery]), stop, sleep(ContinuousClock.Instant), wait }
            let next = state.withLock { state -> Next in
                if state.stopped { return .stop }
                if let until = state.pausedUntil, until > .now { return .sleep(until) }
                let room = min(max, window - state.inflight, state.waiting)
                guard room > 0 else { return .wait }
                let batch = Array(state.items[state.head..<state.head + room])
                state.head += room
                state.inflight += room
                state.compact()
                return .batch(batch)
            }
            switch next {
            case .batch(let batch): return batch
            case .stop: return nil
            case .sleep(let until): try? await Task.sleep(until: until, clock: .continuous)
            case .wait:
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        if state.stopped || (state.waiting > 0 && state.inflight < window) { return true }
                        state.waiters.append(waiter)
                        return false
                    }
                    if ready { waiter.resume() }
                }
            }
        }
    }

    func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }
}
