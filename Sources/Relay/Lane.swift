import RelayQueue
import Synchronization

/// The deliveries waiting for one target of one rule, oldest first, and that target's back-off.
///
/// Items enter when they are durable (after the queue committed them) and leave in batches to the target's
/// sender; at most ``window`` are out at once. When the destination is unreachable or fails, the items go back
/// to the front and the whole lane pauses — one back-off per destination, not a timer per message.
///
/// At most ``capacity`` deliveries are held in memory (waiting and in flight). Beyond that the lane *spills*: later
/// deliveries stay only in the queue file, from the seq ``LaneState/spilledFrom`` on, and the lane pages them in
/// (``Turn/page(from:limit:)``) when it has drained to half its capacity. Pushes must come in seq order — the
/// relay pushes while the queue's lock is held (``DurableQueue/append(_:then:)``) — so that every row of the lane
/// from that seq on is one the lane does not hold.
///
/// The bookkeeping is ``LaneState`` (pure, unit-tested); this class holds it under a lock with the sender tasks
/// that wait for work, and wakes them when the state says so.
final class Lane: Sendable {
    typealias Turn = LaneState.Turn

    private struct Locked {
        var lane: LaneState
        var waiters: [CheckedContinuation<Void, Never>] = []

        mutating func takeWaiters(if wake: Bool = true) -> [CheckedContinuation<Void, Never>] {
            guard wake else { return [] }
            defer { waiters = [] }
            return waiters
        }
    }

    private let state: Mutex<Locked>
    let window: Int
    /// The most deliveries held in memory, waiting and in flight.
    let capacity: Int

    /// - Parameter capacity: at least twice the window, so a page is never smaller than the window.
    init(window: Int, capacity: Int) {
        let lane = LaneState(window: window, capacity: capacity)
        self.window = lane.window
        self.capacity = lane.capacity
        self.state = Mutex(Locked(lane: lane))
    }

    /// Waiting, in flight, and spilled to the queue file.
    var depth: Int { state.withLock { $0.lane.depth } }

    /// Deliveries just made durable, in seq order: kept in memory while there is room, else left in the file.
    func push(_ deliveries: [QueuedDelivery]) {
        update { $0.push(deliveries) }
    }

    /// `count` rows of the lane, from the seq `from` on, are in the queue file and not in memory (at start: all).
    func spill(from seq: Int64, count: Int) {
        update { $0.spill(from: seq, count: count) }
    }

    /// The rows a ``Turn/page(from:limit:)`` read, with the queue's lock held; fewer than `limit` means the file
    /// holds no more of the lane's rows.
    func paged(_ rows: [QueuedDelivery], limit: Int) {
        update {
            $0.paged(rows, limit: limit)
            return true
        }
    }

    /// The queue could not be read: the lane tries again after `pause`.
    func pagingFailed(pause: Duration) {
        state.withLock { $0.lane.pagingFailed(pause: pause, now: .now) }
    }

    /// Puts deliveries that did not go through back at the front and pauses the lane for `pause`.
    func requeue(_ deliveries: [QueuedDelivery], pause: Duration) {
        state.withLock { $0.lane.requeue(deliveries, pause: pause, now: .now) }
    }

    /// `count` deliveries came back from the sender; returns the failed sends in a row so far (0 after a success).
    @discardableResult
    func finished(_ count: Int, failed: Bool) -> Int {
        let (waiters, failures) = state.withLock { locked in
            let (failures, wake) = locked.lane.finished(count, failed: failed)
            return (locked.takeWaiters(if: wake), failures)
        }
        waiters.forEach { $0.resume() }
        return failures
    }

    /// The next batch of at most `max`, when there is one, room in the window, and no pause, or a page to read;
    /// nil once stopped.
    func take(max: Int) async -> Turn? {
        while true {
            switch state.withLock({ $0.lane.next(max: max, now: .now) }) {
            case .turn(let turn): return turn
            case .stop: return nil
            case .sleep(let until): try? await Task.sleep(until: until, clock: .continuous)
            case .wait:
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { locked in
                        if locked.lane.isReady { return true }
                        locked.waiters.append(waiter)
                        return false
                    }
                    if ready { waiter.resume() }
                }
            }
        }
    }

    func stop() {
        update {
            $0.stop()
            return true
        }
    }

    /// Changes the state and wakes the waiting tasks when the change says so.
    private func update(_ change: (inout LaneState) -> Bool) {
        let waiters = state.withLock { locked in
            let wake = change(&locked.lane)
            return locked.takeWaiters(if: wake)
        }
        waiters.forEach { $0.resume() }
    }
}

extension Lane {
    /// Pushes each delivery into its lane: one push per lane, in the order given.
    static func push(_ deliveries: [(Lane, QueuedDelivery)]) {
        var byLane: [ObjectIdentifier: (Lane, [QueuedDelivery])] = [:]
        for (lane, delivery) in deliveries {
            byLane[ObjectIdentifier(lane), default: (lane, [])].1.append(delivery)
        }
        for (lane, batch) in byLane.values {
            lane.push(batch)
        }
    }
}
