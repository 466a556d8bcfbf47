import Foundation
import RelayQueue
import Testing

/// What goes in comes back: every field, in append order, across close and reopen.
@Suite struct RoundTripTests {
    @Test func everyFieldComesBackExactly() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let deliveries = [
            sampleDelivery(1),
            NewDelivery(
                messageID: "", rule: "", target: "", topic: "", payload: [], receivedAt: 0, attempts: 0,
                notBefore: 0, lastError: ""),
            NewDelivery(
                messageID: "id-é-🤖", rule: "règle", target: "error", topic: "a/b/\u{0}/c",
                payload: Array(0...255), receivedAt: -1, attempts: 9, notBefore: Int64.max,
                lastError: "HTTP 503: “busy”\nretry"),
            sampleDelivery(4, payload: (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        ]
        let seqs = try queue.append(deliveries)
        #expect(seqs.count == deliveries.count)
        let pending = try queue.pending()
        #expect(pending == zip(seqs, deliveries).map { QueuedDelivery(seq: $0, delivery: $1) })
        #expect(pending[1].delivery.payload == [] && pending[1].delivery.lastError == "", "empty is not NULL")
        #expect(pending[0].delivery.lastError == nil)
    }

    @Test func aBatchLargerThanOneInsertStatementComesBackInOrderWithItsSeqs() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        try queue.append([sampleDelivery(0)])
        let deliveries = (1...70).map { sampleDelivery($0) }  // two statements of 32 rows, then 6 single rows
        let seqs = try queue.append(deliveries)
        #expect(seqs == Array(seqs[0]..<seqs[0] + 70), "consecutive, in append order")
        let pending = try queue.pending(after: seqs[0] - 1)
        #expect(pending == zip(seqs, deliveries).map { QueuedDelivery(seq: $0, delivery: $1) })
    }

    @Test func seqsFollowAppendOrderAndAreNeverReused() throws {
        let path = try freshQueuePath()
        var queue = try DurableQueue(path: path)
        let first = try queue.append((1...3).map { sampleDelivery($0) })
        let second = try queue.append((4...5).map { sampleDelivery($0) })
        let all = first + second
        #expect(all == all.sorted() && Set(all).count == all.count, "increasing: \(all)")
        #expect(try queue.pending().map(\.seq) == all)
        #expect(try queue.pending().map(\.delivery.messageID) == (1...5).map { "message-\($0)" })

        // Deleting the newest rows must not free their seqs, not even after a restart.
        try queue.apply(QueueChanges(completed: Array(all.suffix(2))))
        let third = try queue.append([sampleDelivery(6)])
        #expect(third[0] > all.last!)
        try queue.apply(QueueChanges(completed: third))
        queue.close()
        queue = try DurableQueue(path: path)
        defer { queue.close() }
        let fourth = try queue.append([sampleDelivery(7)])
        #expect(fourth[0] > third[0])
        #expect(try queue.pending().map(\.seq) == first + fourth)
    }

    @Test func reopeningKeepsEverything() throws {
        let path = try freshQueuePath()
        var queue = try DurableQueue(path: path)
        let seqs = try queue.append((1...200).map { sampleDelivery($0, target: String($0 % 3)) })
        try queue.apply(
            QueueChanges(
                completed: Array(seqs[0..<50]),
                retries: [
                    QueueChanges.Retry(seq: seqs[60], attempts: 2, notBefore: 1_700_000_009_000, lastError: "timeout")
                ],
                replacements: [QueueChanges.Replacement(seq: seqs[70], with: sampleDelivery(70, target: "error"))]))
        let before = try queue.pending()
        let depthBefore = try queue.depth()
        queue.close()

        queue = try DurableQueue(path: path)
        defer { queue.close() }
        #expect(try queue.pending() == before)
        #expect(try queue.depth() == depthBefore)
        #expect(before.count == 150)
        #expect(before.first { $0.seq == seqs[60] }?.delivery.lastError == "timeout")
    }

    @Test func pendingPagesThroughABacklog() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append((1...25).map { sampleDelivery($0) })
        var seen: [Int64] = []
        var after: Int64 = 0
        while true {
            let page = try queue.pending(after: after, limit: 10)
            guard let last = page.last else { break }
            #expect(page.count <= 10)
            seen += page.map(\.seq)
            after = last.seq
        }
        #expect(seen == seqs)
        #expect(try queue.pending(after: seqs[23]).map(\.seq) == [seqs[24]])
    }

    @Test func depthCountsRowsPerRuleAndTarget() throws {
        let path = try freshQueuePath()
        var queue = try DurableQueue(path: path)
        #expect(try queue.depth() == QueueDepth(byTarget: [:], total: 0))
        let a = try queue.append([sampleDelivery(1, rule: "a", target: "0"), sampleDelivery(1, rule: "a", target: "1")])
        let b = try queue.append((2...4).map { sampleDelivery($0, rule: "b", target: "0") })
        #expect(try queue.depth() == QueueDepth(byTarget: ["a/0": 1, "a/1": 1, "b/0": 3], total: 5))

        try queue.apply(
            QueueChanges(
                completed: [a[0], b[0]],
                replacements: [QueueChanges.Replacement(seq: b[1], with: sampleDelivery(3, rule: "b", target: "error"))]
            ))
        let expected = QueueDepth(byTarget: ["a/1": 1, "b/0": 1, "b/error": 1], total: 3)
        #expect(try queue.depth() == expected)

        queue.close()
        queue = try DurableQueue(path: path)
        defer { queue.close() }
        #expect(try queue.depth() == expected, "counted again from the file at open")
    }

    @Test func emptyCallsChangeNothing() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        #expect(try queue.append([]) == [])
        #expect(try queue.apply(QueueChanges()) == AppliedChanges())
        #expect(try queue.pending() == [])
    }
}
