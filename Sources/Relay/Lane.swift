import RelayQueue
import Synchronization

/// The deliveries waiting for one target of one rule, oldest first, and that target's back-off.
///
/// Items enter when they are durable (after the queue committed them) and leave in batches to the target's
/// sender; at most ``window`` are out at once. When the destination is unreachable or fails, the items go back
/// to the front and the whole lane pauses — one back-off per destination, not a timer per message.
///
/// At most ``capacity`` deliveries are held in memory (waiting and in flight). Beyond that the lane *spills*: later
/// deliveries stay only in the queue file, from the seq ``State/spilledFrom`` on, and the lane pages them in
/// (``Turn/page(from:limit:)``) when it has drained to half its capacity. Pushes must come in seq order — the
/// relay pushes while the queue's lock is held (``DurableQueue/append(_:then:)``) — so that every row of the lane
/// from that seq on is one the lane does not hold.
final class Lane: Sendable {
    /// `rule/target`: the key rows carry in the durable queue.
    let key: String
    let window: Int
    /// The most deliveries held in memory, waiting and in flight.
    let capacity: Int

    /// What a sender's task does next.
    enum Turn: Equatable {
        /// Send these.
        case batch([QueuedDelivery])
        /// Read up to `limit` of the lane's rows from the queue file, from the seq `from` on, and hand them to
        /// ``paged(_:limit:)`` (or ``pagingFailed(pause:)``). One task of the lane pages at a time.
        case page(from: Int64, limit: Int)
    }

    private struct State {
        var items: [QueuedDelivery] = []
        var head = 0
        var inflight = 0
        var pausedUntil: ContinuousClock.Instant?
        var consecutiveFailures = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
        /// The lane's rows from this seq on are in the queue file only.
        var spilledFrom: Int64?
        /// How many rows that is (for the depth).
        var spilled = 0
        /// A task is paging rows in.
        var paging = false

        var waiting: Int { items.count - head }

        func needsPage(capacity: Int) -> Bool {
            spilledFrom != nil && !paging && waiting + inflight <= capacity / 2
        }

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

    /// - Parameter capacity: at least twice the window, so a page is never smaller than the window.
    init(key: String, window: Int, capacity: Int) {
        self.key = key
        self.window = window
        self.capacity = max(capacity, 2 * window, 2)
    }

    /// Waiting, in flight, and spilled to the queue file.
    var depth: Int { state.withLock { $0.waiting + $0.inflight + $0.spilled } }

    /// Deliveries just made durable, in seq order: kept in memory while there is room, else left in the file.
    func push(_ deliveries: [QueuedDelivery]) {
        guard !deliveries.isEmpty else { return }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.spilledFrom == nil else {
                state.spilled += deliveries.count
                return []
            }
            let room = max(0, capacity - state.waiting - state.inflight)
            if room < deliveries.count {
                state.items += deliveries.prefix(room)
                state.spilledFrom = deliveries[room].seq
                state.spilled = deliveries.count - room
            } else {
                state.items += deliveries
            }
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }

    /// `count` rows of the lane, from the seq `from` on, are in the queue file and not in memory (at start: all).
    func spill(from seq: Int64, count: Int) {
        guard count > 0 else { return }
        let waiters = state.withLock { state in
            state.spilledFrom = min(state.spilledFrom ?? seq, seq)
            state.spilled += count
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }

    /// The rows a ``Turn/page(from:limit:)`` read, with the queue's lock held; fewer than `limit` means the file
    /// holds no more of the lane's rows.
    func paged(_ rows: [QueuedDelivery], limit: Int) {
        let waiters = state.withLock { state in
            state.paging = false
            state.items += rows
            if rows.count < limit {
                state.spilledFrom = nil
                state.spilled = 0
            } else {
                state.spilledFrom = rows[rows.count - 1].seq + 1
                state.spilled = max(0, state.spilled - rows.count)
            }
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }

    /// The queue could not be read: the lane tries again after `pause`.
    func pagingFailed(pause: Duration) {
        state.withLock { state in
            state.paging = false
            let until = ContinuousClock.now + pause
            state.pausedUntil = max(state.pausedUntil ?? until, until)
        }
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
            let wake = failed || state.inflight <= window / 2 || state.needsPage(capacity: capacity)
            return (wake ? state.takeWaiters() : [], state.consecutiveFailures)
        }
        waiters.forEach { $0.resume() }
        return failures
    }

    /// The next batch of at most `max`, when there is one, room in the window, and no pause, or a page to read;
    /// nil once stopped.
    func take(max: Int) async -> Turn? {
        while true {
            enum Next { case turn(Turn), stop, sleep(ContinuousClock.Instant), wait }
            let next = state.withLock { state -> Next in
                if state.stopped { return .stop }
                if let until = state.pausedUntil, until > .now { return .sleep(until) }
                if state.needsPage(capacity: capacity), let from = state.spilledFrom {
                    state.paging = true
                    return .turn(.page(from: from, limit: capacity - state.waiting - state.inflight))
                }
                let room = min(max, window - state.inflight, state.waiting)
                guard room > 0 else { return .wait }
                let batch = Array(state.items[state.head..<state.head + room])
                state.head += room
                state.inflight += room
                state.compact()
                return .turn(.batch(batch))
            }
            switch next {
            case .turn(let turn): return turn
            case .stop: return nil
            case .sleep(let until): try? await Task.sleep(until: until, clock: .continuous)
            case .wait:
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state in
                        if state.stopped || (state.waiting > 0 && state.inflight < window)
                            || state.needsPage(capacity: capacity)
                        {
                            return true
                        }
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
