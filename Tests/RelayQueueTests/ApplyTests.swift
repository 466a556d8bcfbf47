@testable import RelayQueue
import Testing

/// `apply` records outcomes: deletes, retry updates and dead-letter replacements, all in one transaction.
@Suite struct ApplyTests {
    @Test func completedRowsAreDeletedAndRetriesUpdated() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append((1...4).map { sampleDelivery($0) })
        let applied = try queue.apply(
            QueueChanges(
                completed: [seqs[0], seqs[2]],
                retries: [
                    QueueChanges.Retry(seq: seqs[1], attempts: 3, notBefore: 1_700_000_060_000, lastError: "HTTP 500")
                ]
            ))
        #expect(applied == AppliedChanges())

        var retried = sampleDelivery(2)
        retried.attempts = 3
        retried.notBefore = 1_700_000_060_000
        retried.lastError = "HTTP 500"
        #expect(
            try queue.pending() == [
                QueuedDelivery(seq: seqs[1], delivery: retried),
                QueuedDelivery(seq: seqs[3], delivery: sampleDelivery(4)),
            ])
    }

    @Test func aRunOfConsecutiveSeqsIsDeletedWholeOrRowByRowWhenOneIsGone() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append((1...12).map { sampleDelivery($0) })
        try queue.apply(QueueChanges(completed: [seqs[6]]))
        // Three runs: seqs[5...7], where seqs[6] is gone (row by row, naming it); seqs[0...4], all there (one range
        // delete); seqs[9] alone.
        let applied = try queue.apply(QueueChanges(completed: Array(seqs[5...7]) + Array(seqs[0...4]) + [seqs[9]]))
        #expect(applied.missing == [seqs[6]])
        #expect(try queue.pending().map(\.seq) == [seqs[8], seqs[10], seqs[11]])
        #expect(try queue.depth().total == 3)
    }

    @Test func rowsNoLongerQueuedAreReportedNotInvented() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append((1...2).map { sampleDelivery($0) })
        try queue.apply(QueueChanges(completed: [seqs[0]]))
        let applied = try queue.apply(
            QueueChanges(
                completed: [seqs[0], 999],
                retries: [QueueChanges.Retry(seq: seqs[0], attempts: 1, notBefore: 0, lastError: "x")],
                replacements: [
                    QueueChanges.Replacement(seq: seqs[0], with: sampleDelivery(1, target: "error")),
                    QueueChanges.Replacement(seq: seqs[1], with: sampleDelivery(2, target: "error")),
                ]))
        #expect(applied.missing == [seqs[0], 999, seqs[0], seqs[0]])
        #expect(applied.replacementSeqs.count == 2)
        #expect(applied.replacementSeqs[0] == nil, "a row already gone gets no error-action delivery")
        let pending = try queue.pending()
        #expect(pending.map(\.delivery) == [sampleDelivery(2, target: "error")])
        #expect(pending.map(\.seq) == [applied.replacementSeqs[1]])
    }

    @Test func replacementSwapsADeadLetterForItsErrorDelivery() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append([sampleDelivery(1, target: "0"), sampleDelivery(1, target: "1")])
        var errorDelivery = sampleDelivery(1, target: "error", payload: Array("{\"failures\":[]}".utf8))
        errorDelivery.lastError = "gave up after 10 attempts: HTTP 404"
        let applied = try queue.apply(
            QueueChanges(replacements: [QueueChanges.Replacement(seq: seqs[0], with: errorDelivery)]))
        let newSeq = try #require(applied.replacementSeqs.first ?? nil)
        #expect(newSeq > seqs[1])
        #expect(
            try queue.pending() == [
                QueuedDelivery(seq: seqs[1], delivery: sampleDelivery(1, target: "1")),
                QueuedDelivery(seq: newSeq, delivery: errorDelivery),
            ])
        #expect(try queue.depth() == QueueDepth(byTarget: ["hooks/1": 1, "hooks/error": 1], total: 2))
    }

    /// A failure halfway through (here the replacement's insert, after the deletes) leaves the queue as it was.
    @Test func aFailedApplyChangesNothing() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        let seqs = try queue.append((1...3).map { sampleDelivery($0) })
        let before = try queue.pending()
        let depthBefore = try queue.depth()
        try queue.withStore(.apply) { store throws(QueueError) in store.connection.limitLength(1000) }

        let error = #expect(throws: QueueError.self) {
            try queue.apply(
                QueueChanges(
                    completed: [seqs[0]],
                    retries: [QueueChanges.Retry(seq: seqs[1], attempts: 1, notBefore: 5, lastError: "x")],
                    replacements: [
                        QueueChanges.Replacement(
                            seq: seqs[2],
                            with: sampleDelivery(3, target: "error", payload: Array(repeating: 7, count: 2000)))
                    ]))
        }
        #expect(error?.code == .tooBig)
        #expect(error?.operation == .apply)
        #expect(try queue.pending() == before)
        #expect(try queue.depth() == depthBefore)

        // The queue still works after the rollback.
        try queue.apply(QueueChanges(completed: [seqs[0]]))
        #expect(try queue.pending().map(\.seq) == [seqs[1], seqs[2]])
    }

    @Test func aFailedAppendAddsNothing() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        defer { queue.close() }
        try queue.append([sampleDelivery(1)])
        try queue.withStore(.append) { store throws(QueueError) in store.connection.limitLength(1000) }
        let error = #expect(throws: QueueError.self) {
            try queue.append([sampleDelivery(2), sampleDelivery(3, payload: Array(repeating: 0, count: 5000))])
        }
        #expect(error?.code == .tooBig)
        #expect(error.map { "\($0)" }?.contains("cannot append to the relay queue") == true)
        #expect(try queue.pending().map(\.delivery) == [sampleDelivery(1)])
        #expect(try queue.depth().total == 1)
    }
}
