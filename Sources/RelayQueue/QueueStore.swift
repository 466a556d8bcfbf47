/// The open queue: its lock, its connection, the prepared statements, and the row counts per target. Not
/// thread-safe: ``DurableQueue`` keeps it inside a `Mutex`.
final class QueueStore {
    /// Rows of one target, for ``QueueDepth``.
    struct Target: Hashable {
        var rule: String
        var target: String
    }

    /// How long a call waits for a lock that another connection (an `sqlite3` shell, say) holds.
    static let busyTimeoutMilliseconds: Int32 = 5000
    /// The size the write-ahead log is cut back to after a checkpoint, so a burst does not leave a huge file.
    static let walSizeLimitBytes = 64 << 20

    let connection: SQLiteConnection
    private let lock: QueueLock
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    private let insert: SQLiteStatement
    private let delete: SQLiteStatement
    private let retry: SQLiteStatement
    private let select: SQLiteStatement
    /// Rows per target: counted once at open, then kept up to date by each committed call.
    private var counts: [Target: Int] = [:]

    init(path: String, durability: Durability) throws(QueueError) {
        guard !path.isEmpty else {
            throw QueueError(
                .cannotOpen, operation: .open, path: path, reason: "the path is empty",
                hint: "set relay.queue.path, e.g. /var/lib/robot-server/relay.db")
        }
        // SQLite opens (or creates) the file at once; its error carries SQLite's code and the errno it saw.
        connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
        lock = try QueueLock(databasePath: path)
        let mode = try connection.text("PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw QueueError(
                .walUnavailable, operation: .open, path: path,
                reason: "SQLite cannot use a write-ahead log there (journal mode stays \(mode ?? "unknown"))",
                hint: "put the queue on a local file system (not NFS or a FUSE mount without shared memory)")
        }
        try connection.execute("PRAGMA synchronous = \(durability.synchronousPragma)")
        try connection.execute("PRAGMA journal_size_limit = \(Self.walSizeLimitBytes)")
        try QueueSchema.prepare(connection)

        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        rollback = try connection.prepare("ROLLBACK")
        insert = try connection.prepare(
            """
            INSERT INTO delivery
                (message_id, rule, target, topic, payload, received_at, attempts, not_before, last_error)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        delete = try connection.prepare("DELETE FROM delivery WHERE seq = ?1 RETURNING rule, target")
        retry = try connection.prepare(
            "UPDATE delivery SET attempts = ?2, not_before = ?3, last_error = ?4 WHERE seq = ?1")
        select = try connection.prepare(
            """
            SELECT seq, message_id, rule, target, topic, payload, received_at, attempts, not_before, last_error
            FROM delivery WHERE seq > ?1 ORDER BY seq LIMIT ?2
            """)
        counts = try countRows()
    }

    /// Checkpoints and closes the database, then releases the lock.
    func close() {
        connection.close()
        lock.release()
    }

    func append(_ deliveries: [NewDelivery]) throws(QueueError) -> [Int64] {
        connection.operation = .append
        guard !deliveries.isEmpty else { return [] }
        var added: [Target: Int] = [:]
        let seqs = try transaction { () throws(QueueError) -> [Int64] in
            var seqs: [Int64] = []
            seqs.reserveCapacity(deliveries.count)
            for delivery in deliveries {
                seqs.append(try insertRow(delivery))
                added[Target(rule: delivery.rule, target: delivery.target), default: 0] += 1
            }
            return seqs
        }
        count(added)
        return seqs
    }

    func apply(_ changes: QueueChanges) throws(QueueError) -> AppliedChanges {
        connection.operation = .apply
        guard !changes.isEmpty else { return AppliedChanges() }
        var delta: [Target: Int] = [:]
        let applied = try transaction { () throws(QueueError) -> AppliedChanges in
            var applied = AppliedChanges()
            for seq in changes.completed {
                if let target = try deleteRow(seq) {
                    delta[target, default: 0] -= 1
                } else {
                    applied.missing.append(seq)
                }
            }
            for change in changes.retries where !(try updateRow(change)) {
                applied.missing.append(change.seq)
            }
            applied.replacementSeqs.reserveCapacity(changes.replacements.count)
            for replacement in changes.replacements {
                guard let target = try deleteRow(replacement.seq) else {
                    applied.missing.append(replacement.seq)
                    applied.replacementSeqs.append(nil)
                    continue
                }
                delta[target, default: 0] -= 1
                applied.replacementSeqs.append(try insertRow(replacement.with))
                delta[Target(rule: replacement.with.rule, target: replacement.with.target), default: 0] += 1
            }
            return applied
        }
        count(delta)
        return applied
    }

    func pending(after seq: Int64, limit: Int?) throws(QueueError) -> [QueuedDelivery] {
        connection.operation = .pending
        defer { select.reset() }
        try select.bind(seq, at: 1)
        try select.bind(Int64(limit ?? -1), at: 2)
        var rows: [QueuedDelivery] = []
        while try select.step() {
            let delivery = NewDelivery(
                messageID: select.text(at: 1), rule: select.text(at: 2), target: select.text(at: 3),
                topic: select.text(at: 4), payload: select.blob(at: 5), receivedAt: select.int64(at: 6),
                attempts: Int(select.int64(at: 7)), notBefore: select.int64(at: 8),
                lastError: select.optionalText(at: 9))
            rows.append(QueuedDelivery(seq: select.int64(at: 0), delivery: delivery))
        }
        return rows
    }

    func depth() -> QueueDepth {
        var byTarget: [String: Int] = [:]
        var total = 0
        for (target, count) in counts {
            byTarget["\(target.rule)/\(target.target)"] = count
            total += count
        }
        return QueueDepth(byTarget: byTarget, total: total)
    }

    // MARK: Rows

    private func insertRow(_ delivery: NewDelivery) throws(QueueError) -> Int64 {
        try insert.bind(delivery.messageID, at: 1)
        try insert.bind(delivery.rule, at: 2)
        try insert.bind(delivery.target, at: 3)
        try insert.bind(delivery.topic, at: 4)
        try insert.bind(delivery.payload, at: 5)
        try insert.bind(delivery.receivedAt, at: 6)
        try insert.bind(Int64(delivery.attempts), at: 7)
        try insert.bind(delivery.notBefore, at: 8)
        try insert.bind(delivery.lastError, at: 9)
        try insert.run()
        return connection.lastInsertedRowID
    }

    /// Deletes a row; returns its target, or nil if no row has that seq.
    private func deleteRow(_ seq: Int64) throws(QueueError) -> Target? {
        defer { delete.reset() }
        try delete.bind(seq, at: 1)
        guard try delete.step() else { return nil }
        let target = Target(rule: delete.text(at: 0), target: delete.text(at: 1))
        while try delete.step() {}
        return target
    }

    /// Records a failed attempt; returns false if no row has that seq.
    private func updateRow(_ change: QueueChanges.Retry) throws(QueueError) -> Bool {
        try retry.bind(change.seq, at: 1)
        try retry.bind(Int64(change.attempts), at: 2)
        try retry.bind(change.notBefore, at: 3)
        try retry.bind(change.lastError, at: 4)
        try retry.run()
        return connection.changedRows > 0
    }

    private func countRows() throws(QueueError) -> [Target: Int] {
        let statement = try connection.prepare("SELECT rule, target, count(*) FROM delivery GROUP BY rule, target")
        defer { statement.finalize() }
        var counts: [Target: Int] = [:]
        while try statement.step() {
            counts[Target(rule: statement.text(at: 0), target: statement.text(at: 1))] = Int(statement.int64(at: 2))
        }
        return counts
    }

    private func count(_ delta: [Target: Int]) {
        for (target, change) in delta where change != 0 {
            let count = counts[target, default: 0] + change
            counts[target] = count > 0 ? count : nil
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction: all of its changes are committed, or none.
    private func transaction<T>(_ body: () throws(QueueError) -> T) throws(QueueError) -> T {
        try begin.run()
        do throws(QueueError) {
            let result = try body()
            try commit.run()
            return result
        } catch {
            if !connection.isAutocommit {
                try? rollback.run()
            }
            throw error
        }
    }
}
