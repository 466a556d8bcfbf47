import Foundation
import RelayQueue
import Testing

/// Dead letters: deliveries that failed for good with no error action, parked out of the queue (schema version 2)
/// and replayed back into it.
@Suite struct DeadLetterTests {
    @Test func aParkedRowLeavesTheQueueForTheDeadLettersWithItsError() throws {
        let queue = try DurableQueue(path: try freshQueuePath("dead-letters"))
        defer { queue.close() }
        let seqs = try queue.append([sampleDelivery(1), sampleDelivery(2), sampleDelivery(3, rule: "other")])
        let applied = try queue.apply(
            QueueChanges(parked: [
                .init(seq: seqs[0], attempts: 1, lastError: "http://hook: HTTP 400", parkedAt: 1_700_000_000_999),
                .init(seq: 999, attempts: 1, lastError: "gone", parkedAt: 0),
            ]))
        #expect(applied.missing == [999])
        #expect(try queue.pending().map(\.seq) == [seqs[1], seqs[2]])
        #expect(try queue.deadLetterCounts() == ["hooks": 1])
        let letters = try queue.deadLetters(rule: "hooks")
        #expect(letters.count == 1)
        #expect(letters.first?.seq == seqs[0])
        #expect(letters.first?.delivery.payload == sampleDelivery(1).payload)
        #expect(letters.first?.delivery.attempts == 1)
        #expect(letters.first?.delivery.lastError == "http://hook: HTTP 400")
        #expect(letters.first?.parkedAt == 1_700_000_000_999)
        #expect(try queue.deadLetters(rule: "other").isEmpty)
    }

    @Test func replayQueuesTheLettersAgainUnderNewSeqsWithNoAttempts() throws {
        let queue = try DurableQueue(path: try freshQueuePath("replay"))
        defer { queue.close() }
        let seqs = try queue.append((1...4).map { sampleDelivery($0) })
        try queue.apply(
            QueueChanges(
                completed: [seqs[3]],
                parked: seqs[0..<3].map { .init(seq: $0, attempts: 2, lastError: "refused", parkedAt: 5) }))
        var handedOff: [Int64] = []
        let replayed = try queue.replayDeadLetters(rule: "hooks", seqs: [seqs[2], seqs[0], 12345]) { rows in
            handedOff = rows.map(\.seq)
        }
        #expect(replayed.map(\.delivery.messageID) == ["message-1", "message-3"])
        #expect(replayed.allSatisfy { $0.seq > seqs[3] && $0.delivery.attempts == 0 && $0.delivery.lastError == nil })
        #expect(handedOff == replayed.map(\.seq))
        #expect(try queue.pending().map(\.seq) == replayed.map(\.seq))
        #expect(try queue.deadLetters(rule: "hooks").map(\.seq) == [seqs[1]])
        #expect(try queue.replayDeadLetters(rule: "hooks").map(\.delivery.messageID) == ["message-2"])
        #expect(try queue.deadLetterCounts().isEmpty)
    }

    @Test func deadLettersSurviveAReopen() throws {
        let path = try freshQueuePath("dead-letters-reopen")
        let queue = try DurableQueue(path: path, durability: .full)
        let seq = try queue.append([sampleDelivery(7)])[0]
        try queue.apply(QueueChanges(parked: [.init(seq: seq, attempts: 1, lastError: "x", parkedAt: 1)]))
        queue.close()
        let reopened = try DurableQueue(path: path)
        defer { reopened.close() }
        #expect(try reopened.deadLetters(rule: "hooks").map(\.seq) == [seq])
    }

    /// A file written by the first version (schema 1, no dead letters) is migrated in place, its rows kept.
    @Test func aVersionOneFileIsMigrated() throws {
        let path = try freshQueuePath("migrate")
        try RawSQLite.execute(
            path,
            """
            CREATE TABLE delivery (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, rule TEXT NOT NULL,
                target TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL, received_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL, not_before INTEGER NOT NULL, last_error TEXT) STRICT;
            INSERT INTO delivery (message_id, rule, target, topic, payload, received_at, attempts, not_before)
                VALUES ('m', 'hooks', '0', 't', X'7B7D', 1, 0, 0);
            PRAGMA application_id = \(0x524C_5951); PRAGMA user_version = 1;
            """)
        let queue = try DurableQueue(path: path)
        #expect(try queue.pending().map(\.delivery.messageID) == ["m"])
        try queue.apply(QueueChanges(parked: [.init(seq: 1, attempts: 1, lastError: "x", parkedAt: 1)]))
        #expect(try queue.deadLetterCounts() == ["hooks": 1])
        queue.close()
        #expect(try RawSQLite.text(path, "PRAGMA user_version") == "2")
    }

    /// A lane pages its backlog in by seq, skipping other lanes' rows, and the read and the hand-off happen with
    /// the queue's lock held.
    @Test func aLanesRowsArePagedInSeqOrder() throws {
        let queue = try DurableQueue(path: try freshQueuePath("pages"))
        defer { queue.close() }
        let seqs = try queue.append((0..<10).map { sampleDelivery($0, target: $0 % 2 == 0 ? "0" : "1") })
        var first: [Int64] = []
        try queue.pending(rule: "hooks", target: "0", from: 0, limit: 3) { first = $0.map(\.seq) }
        #expect(first == [seqs[0], seqs[2], seqs[4]])
        var rest: [Int64] = []
        try queue.pending(rule: "hooks", target: "0", from: first[2] + 1, limit: 3) { rest = $0.map(\.seq) }
        #expect(rest == [seqs[6], seqs[8]])
    }
}
