/// The dead letters (schema version 2's `dead_letter` table): parked by ``apply(_:)``, listed, counted and replayed.
/// Rare work, so statements are prepared per call rather than kept.
extension QueueStore {
    /// Moves each row to the dead letters; returns the seqs that were no longer queued. Inside `apply`'s
    /// transaction.
    func park(_ parked: [QueueChanges.Park]) throws(QueueError) -> [Int64] {
        let copy = try connection.prepare(
            """
            INSERT INTO dead_letter
                (seq, message_id, rule, target, topic, payload, received_at, attempts, last_error, parked_at)
            SELECT seq, message_id, rule, target, topic, payload, received_at, ?2, ?3, ?4 FROM delivery WHERE seq = ?1
            """)
        defer { copy.finalize() }
        let remove = try connection.prepare("DELETE FROM delivery WHERE seq = ?1")
        defer { remove.finalize() }
        var missing: [Int64] = []
        for park in parked {
            try copy.bind(park.seq, at: 1)
            try copy.bind(Int64(park.attempts), at: 2)
            try copy.bind(park.lastError, at: 3)
            try copy.bind(park.parkedAt, at: 4)
            try copy.run()
            guard connection.changedRows > 0 else {
                missing.append(park.seq)
                continue
            }
            try remove.bind(park.seq, at: 1)
            try remove.run()
        }
        return missing
    }

    /// How many dead letters each rule has (rules with none are absent).
    func deadLetterCounts() throws(QueueError) -> [String: Int] {
        connection.operation = .deadLetters
        let statement = try connection.prepare("SELECT rule, count(*) FROM dead_letter GROUP BY rule")
        defer { statement.finalize() }
        var counts: [String: Int] = [:]
        while try statement.step() {
            counts[statement.text(at: 0)] = Int(statement.int64(at: 1))
        }
        return counts
    }

    /// A rule's dead letters in seq order, at most `limit` after the seq `after`.
    func deadLetters(rule: String, after seq: Int64, limit: Int) throws(QueueError) -> [DeadLetter] {
        connection.operation = .deadLetters
        let statement = try connection.prepare(
            """
            SELECT seq, message_id, rule, target, topic, payload, received_at, attempts, last_error, parked_at
            FROM dead_letter WHERE rule = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3
            """)
        defer { statement.finalize() }
        try statement.bind(rule, at: 1)
        try statement.bind(seq, at: 2)
        try statement.bind(Int64(limit), at: 3)
        var letters: [DeadLetter] = []
        while try statement.step() {
            let delivery = NewDelivery(
                messageID: statement.text(at: 1), rule: statement.text(at: 2), target: statement.text(at: 3),
                topic: statement.text(at: 4), payload: statement.blob(at: 5), receivedAt: statement.int64(at: 6),
                attempts: Int(statement.int64(at: 7)), lastError: statement.optionalText(at: 8))
            letters.append(DeadLetter(seq: statement.int64(at: 0), delivery: delivery, parkedAt: statement.int64(at: 9)))
        }
        return letters
    }

    /// Moves a rule's dead letters (all, or those of `seqs`) back into the queue as fresh deliveries (no attempts,
    /// due now, under new seqs), in one transaction; returns them in their old seq order.
    func replayDeadLetters(rule: String, seqs: [Int64]?) throws(QueueError) -> [QueuedDelivery] {
        connection.operation = .replay
        return try transaction { () throws(QueueError) -> [QueuedDelivery] in
            var letters: [DeadLetter] = []
            if let seqs {
                for seq in Set(seqs).sorted() {
                    letters += try deadLetters(rule: rule, after: seq - 1, limit: 1).filter { $0.seq == seq }
                }
            } else {
                letters = try deadLetters(rule: rule, after: 0, limit: Int(Int32.max))
            }
            connection.operation = .replay
            let remove = try connection.prepare("DELETE FROM dead_letter WHERE seq = ?1")
            defer { remove.finalize() }
            var replayed: [QueuedDelivery] = []
            replayed.reserveCapacity(letters.count)
            for letter in letters {
                var delivery = letter.delivery
                delivery.attempts = 0
                delivery.notBefore = 0
                delivery.lastError = nil
                try remove.bind(letter.seq, at: 1)
                try remove.run()
                replayed.append(QueuedDelivery(seq: try insertRow(delivery), delivery: delivery))
            }
            return replayed
        }
    }
}
