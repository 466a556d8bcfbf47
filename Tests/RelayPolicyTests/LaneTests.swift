@testable import Relay
import RelayQueue
import Testing

/// A lane holds at most its capacity in memory; the rest of its backlog stays in the queue file and is paged in as
/// it drains.
@Suite struct LaneTests {
    static func rows(_ seqs: ClosedRange<Int64>) -> [QueuedDelivery] {
        seqs.map {
            QueuedDelivery(
                seq: $0,
                delivery: NewDelivery(
                    messageID: "m\($0)", rule: "r", target: "0", topic: "t", payload: [], receivedAt: 0))
        }
    }

    @Test func pushesBeyondTheCapacityStayInTheFileAndArePagedInOnceHalfDrained() async throws {
        let lane = Lane(window: 2, capacity: 4)
        lane.push(Self.rows(1...3))
        lane.push(Self.rows(4...6))
        lane.push(Self.rows(7...7))
        #expect(lane.depth == 7, "in memory and in the file")

        #expect(await lane.take(max: 10) == .batch(Self.rows(1...2)))
        lane.finished(2, failed: false)
        // 2 left in memory of 4: half drained, so the next turn reads the file from seq 5 on.
        #expect(await lane.take(max: 10) == .page(from: 5, limit: 2))
        lane.paged(Self.rows(5...6), limit: 2)
        #expect(lane.depth == 5)
        #expect(await lane.take(max: 10) == .batch(Self.rows(3...4)))
        lane.finished(2, failed: false)
        #expect(await lane.take(max: 10) == .page(from: 7, limit: 2))
        lane.paged(Self.rows(7...7), limit: 2)  // fewer than asked: the file holds no more of the lane
        lane.push(Self.rows(8...8))  // taken into memory again
        #expect(await lane.take(max: 10) == .batch(Self.rows(5...6)))
        lane.finished(2, failed: false)
        #expect(await lane.take(max: 10) == .batch(Self.rows(7...8)))
        lane.finished(2, failed: false)
        #expect(lane.depth == 0)
    }

    @Test func aLaneResumedFromTheFileStartsWithAPage() async throws {
        let lane = Lane(window: 100, capacity: 1000)
        lane.spill(from: 0, count: 50_000)
        #expect(lane.depth == 50_000)
        #expect(await lane.take(max: 10) == .page(from: 0, limit: 1000))
    }

    @Test func aFailedPageIsTriedAgainAfterAPause() async throws {
        let lane = Lane(window: 1, capacity: 2)
        lane.spill(from: 0, count: 3)
        #expect(await lane.take(max: 1) == .page(from: 0, limit: 2))
        lane.pagingFailed(pause: .milliseconds(100))
        let start = ContinuousClock.now
        #expect(await lane.take(max: 1) == .page(from: 0, limit: 2))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }
}
