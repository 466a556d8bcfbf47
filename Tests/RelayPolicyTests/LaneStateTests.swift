@testable import Relay
import RelayQueue
import Testing

/// A lane's bookkeeping, step by step with the time passed in: its window, its order, its pauses, and the hand-off
/// of its backlog to and from the queue file.
@Suite struct LaneStateTests {
    static let t0 = ContinuousClock.now

    @Test func atMostTheWindowIsOutAndASenderIsWokenWhenHalfOfItIsFree() {
        let lane = Steps(window: 4, capacity: 100)
        #expect(lane.next(max: 10, now: Self.t0) == .wait)
        #expect(lane.push(Fixtures.rows(1...6)), "wakes the waiting senders")
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.batch(Fixtures.rows(1...4))))
        #expect(lane.next(max: 10, now: Self.t0) == .wait, "the window is full")
        #expect(!lane.state.isReady)
        #expect(lane.finished(1, failed: false) == (failures: 0, wake: false), "3 of 4 still out")
        #expect(lane.state.isReady, "a task that checks before waiting goes on")
        #expect(lane.finished(1, failed: false) == (failures: 0, wake: true), "half the window is free")
        #expect(lane.next(max: 1, now: Self.t0) == .turn(.batch(Fixtures.rows(5...5))), "at most max")
        #expect(lane.state.depth == 4, "1 waiting, 3 out")
    }

    /// What did not go through goes back to the front, in order, and the lane pauses; a success ends the pause.
    @Test func requeuedDeliveriesGoFirstAfterThePause() {
        let lane = Steps(window: 10, capacity: 100)
        lane.push(Fixtures.rows(1...5))
        #expect(lane.next(max: 3, now: Self.t0) == .turn(.batch(Fixtures.rows(1...3))))
        #expect(lane.finished(3, failed: true) == (failures: 1, wake: true))
        lane.requeue(Fixtures.rows(2...3), pause: .milliseconds(200), now: Self.t0)
        #expect(lane.next(max: 10, now: Self.t0 + .milliseconds(100)) == .sleep(until: Self.t0 + .milliseconds(200)))
        #expect(lane.next(max: 10, now: Self.t0 + .milliseconds(200)) == .turn(.batch(Fixtures.rows(2...5))))
        #expect(lane.finished(4, failed: true).failures == 2)
        lane.requeue(Fixtures.rows(4...5), pause: .seconds(1), now: Self.t0 + .milliseconds(300))
        // A shorter pause asked later does not cut a longer one short.
        lane.requeue([], pause: .milliseconds(10), now: Self.t0 + .milliseconds(300))
        #expect(lane.state.pausedUntil == Self.t0 + .milliseconds(1300))
        #expect(lane.finished(0, failed: false).failures == 0, "a success ends the streak")
        #expect(lane.state.pausedUntil == nil, "and the pause")
        #expect(lane.next(max: 10, now: Self.t0 + .milliseconds(300)) == .turn(.batch(Fixtures.rows(4...5))))
    }

    @Test func beyondItsCapacityTheLaneSpillsAndPagesBackWhenHalfDrained() {
        let lane = Steps(window: 2, capacity: 4)
        #expect(lane.push(Fixtures.rows(1...6)))
        #expect(lane.state.spilledFrom == 5)
        #expect(!lane.push(Fixtures.rows(7...7)), "spilled: stays in the file, nothing to wake for")
        #expect(lane.state.depth == 7)
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.batch(Fixtures.rows(1...2))))
        #expect(!lane.state.needsPage, "4 held of 4")
        #expect(lane.finished(2, failed: false).wake)
        #expect(lane.state.needsPage)
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.page(from: 5, limit: 2)))
        #expect(lane.state.paging)
        #expect(!lane.state.needsPage, "one task pages at a time")
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.batch(Fixtures.rows(3...4))))
        lane.paged(Fixtures.rows(5...6), limit: 2)
        #expect(lane.state.spilledFrom == 7)
        #expect(lane.state.spilled == 1)
        #expect(lane.finished(2, failed: false).wake)
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.page(from: 7, limit: 2)))
        lane.paged(Fixtures.rows(7...7), limit: 2)
        #expect(lane.state.spilledFrom == nil, "fewer than asked: the file holds no more of the lane")
        #expect(lane.push(Fixtures.rows(8...8)), "taken into memory again")
        #expect(lane.next(max: 10, now: Self.t0) == .turn(.batch(Fixtures.rows(5...6))))
    }

    @Test func aResumedLaneStartsWithAPageAndAFailedPageWaits() {
        let lane = Steps(window: 1, capacity: 2)
        #expect(!lane.spill(from: 0, count: 0))
        #expect(lane.spill(from: 10, count: 3))
        #expect(lane.spill(from: 4, count: 2), "the earliest seq wins")
        #expect(lane.state.depth == 5)
        #expect(lane.next(max: 1, now: Self.t0) == .turn(.page(from: 4, limit: 2)))
        lane.pagingFailed(pause: .seconds(1), now: Self.t0)
        #expect(!lane.state.paging)
        #expect(lane.next(max: 1, now: Self.t0) == .sleep(until: Self.t0 + .seconds(1)))
        #expect(lane.next(max: 1, now: Self.t0 + .seconds(1)) == .turn(.page(from: 4, limit: 2)))
    }

    @Test func aStoppedLaneEndsEveryTask() {
        let lane = Steps(window: 1, capacity: 2)
        lane.push(Fixtures.rows(1...1))
        lane.requeue([], pause: .seconds(60), now: Self.t0)
        lane.stop()
        #expect(lane.state.isReady)
        #expect(lane.next(max: 1, now: Self.t0) == .stop)
    }

    /// The capacity is at least two windows, so a page is never smaller than a window.
    @Test func theCapacityHoldsTwoWindows() {
        #expect(LaneState(window: 100, capacity: 10).capacity == 200)
        #expect(LaneState(window: 0, capacity: 0).capacity == 2)
    }
}


/// A lane state stepped through a test: each call changes it, as the `Lane` does under its lock.
final class Steps {
    var state: LaneState

    init(window: Int, capacity: Int) { state = LaneState(window: window, capacity: capacity) }

    @discardableResult func push(_ deliveries: [QueuedDelivery]) -> Bool { state.push(deliveries) }
    func spill(from seq: Int64, count: Int) -> Bool { state.spill(from: seq, count: count) }
    func paged(_ rows: [QueuedDelivery], limit: Int) { state.paged(rows, limit: limit) }
    func pagingFailed(pause: Duration, now: ContinuousClock.Instant) { state.pagingFailed(pause: pause, now: now) }
    func requeue(_ rows: [QueuedDelivery], pause: Duration, now: ContinuousClock.Instant) {
        state.requeue(rows, pause: pause, now: now)
    }
    func finished(_ count: Int, failed: Bool) -> (failures: Int, wake: Bool) { state.finished(count, failed: failed) }
    func next(max: Int, now: ContinuousClock.Instant) -> LaneState.Next { state.next(max: max, now: now) }
    func stop() { state.stop() }
}
