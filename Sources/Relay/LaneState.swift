import RelayQueue

/// The bookkeeping of one ``Lane``, pure: which deliveries wait, how many are out, whether the lane is paused or
/// spilled to the queue file, and what a sender's task does next. Time is passed in; the ``Lane`` holds it under a
/// lock, keeps the tasks that wait for work, and wakes them when a call here says so.
struct LaneState: Sendable {
    /// The most deliveries out at once.
    let window: Int
    /// The most deliveries held in memory, waiting and in flight.
    let capacity: Int
    private var items: [QueuedDelivery] = []
    private var head = 0
    /// Out with the sender.
    private(set) var inflight = 0
    private(set) var pausedUntil: ContinuousClock.Instant?
    /// Failed sends in a row.
    private(set) var consecutiveFailures = 0
    private(set) var stopped = false
    /// The lane's rows from this seq on are in the queue file only.
    private(set) var spilledFrom: Int64?
    /// How many rows that is (for the depth).
    private(set) var spilled = 0
    /// A task is paging rows in.
    private(set) var paging = false

    /// What a sender's task does next.
    enum Turn: Sendable, Equatable {
        /// Send these.
        case batch([QueuedDelivery])
        /// Read up to `limit` of the lane's rows from the queue file, from the seq `from` on, and hand them to
        /// ``paged(_:limit:)`` (or ``pagingFailed(pause:now:)``). One task of the lane pages at a time.
        case page(from: Int64, limit: Int)
    }

    /// What ``next(max:now:)`` tells a sender's task.
    enum Next: Sendable, Equatable {
        case turn(Turn)
        /// The lane is stopped: end.
        case stop
        /// Paused: ask again at this instant.
        case sleep(until: ContinuousClock.Instant)
        /// Nothing to do: wait to be woken.
        case wait
    }

    /// - Parameter capacity: at least twice the window, so a page is never smaller than the window.
    init(window: Int, capacity: Int) {
        self.window = window
        self.capacity = max(capacity, 2 * window, 2)
    }

    /// Waiting to be sent.
    var waiting: Int { items.count - head }

    /// Waiting, in flight, and spilled to the queue file.
    var depth: Int { waiting + inflight + spilled }

    /// The lane has rows in the file, room for them, and no task paging.
    var needsPage: Bool {
        spilledFrom != nil && !paging && waiting + inflight <= capacity / 2
    }

    /// Whether a task about to wait has something to do instead.
    var isReady: Bool {
        stopped || (waiting > 0 && inflight < window) || needsPage
    }

    /// Deliveries just made durable, in seq order: kept in memory while there is room, else left in the file.
    /// Returns whether waiting tasks should be woken.
    mutating func push(_ deliveries: [QueuedDelivery]) -> Bool {
        guard !deliveries.isEmpty else { return false }
        guard spilledFrom == nil else {
            spilled += deliveries.count
            return false
        }
        let room = max(0, capacity - waiting - inflight)
        if room < deliveries.count {
            items += deliveries.prefix(room)
            spilledFrom = deliveries[room].seq
            spilled = deliveries.count - room
        } else {
            items += deliveries
        }
        return true
    }

    /// `count` rows of the lane, from the seq `from` on, are in the queue file and not in memory (at start: all).
    /// Returns whether waiting tasks should be woken.
    mutating func spill(from seq: Int64, count: Int) -> Bool {
        guard count > 0 else { return false }
        spilledFrom = min(spilledFrom ?? seq, seq)
        spilled += count
        return true
    }

    /// The rows a ``Turn/page(from:limit:)`` read; fewer than `limit` means the file holds no more of the lane's
    /// rows. Waiting tasks should be woken.
    mutating func paged(_ rows: [QueuedDelivery], limit: Int) {
        paging = false
        items += rows
        if rows.count < limit {
            spilledFrom = nil
            spilled = 0
        } else {
            spilledFrom = rows[rows.count - 1].seq + 1
            spilled = max(0, spilled - rows.count)
        }
    }

    /// The queue could not be read: the lane tries again after `pause`.
    mutating func pagingFailed(pause: Duration, now: ContinuousClock.Instant) {
        paging = false
        self.pause(until: now + pause)
    }

    /// Puts deliveries that did not go through back at the front and pauses the lane for `pause`.
    mutating func requeue(_ deliveries: [QueuedDelivery], pause: Duration, now: ContinuousClock.Instant) {
        items.replaceSubrange(head..<head, with: deliveries)
        self.pause(until: now + pause)
    }

    /// `count` deliveries came back from the sender. Returns the failed sends in a row so far (0 after a success)
    /// and whether waiting tasks should be woken: a task waiting for room is woken when half the window is free,
    /// not at every acknowledgement — it then takes one large batch instead of many single deliveries.
    mutating func finished(_ count: Int, failed: Bool) -> (failures: Int, wake: Bool) {
        inflight -= count
        consecutiveFailures = failed ? consecutiveFailures + 1 : 0
        if !failed { pausedUntil = nil }
        return (consecutiveFailures, failed || inflight <= window / 2 || needsPage)
    }

    /// What a sender's task does next at `now`, taking at most `max` deliveries: a batch when there is one, room in
    /// the window and no pause, or a page to read.
    mutating func next(max: Int, now: ContinuousClock.Instant) -> Next {
        if stopped { return .stop }
        if let until = pausedUntil, until > now { return .sleep(until: until) }
        if needsPage, let from = spilledFrom {
            paging = true
            return .turn(.page(from: from, limit: capacity - waiting - inflight))
        }
        let room = min(max, window - inflight, waiting)
        guard room > 0 else { return .wait }
        let batch = Array(items[head..<head + room])
        head += room
        inflight += room
        compact()
        return .turn(.batch(batch))
    }

    /// Every task ends at its next turn. Waiting tasks should be woken.
    mutating func stop() {
        stopped = true
    }

    private mutating func pause(until: ContinuousClock.Instant) {
        pausedUntil = Swift.max(pausedUntil ?? until, until)
    }

    private mutating func compact() {
        if head > 4096, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
