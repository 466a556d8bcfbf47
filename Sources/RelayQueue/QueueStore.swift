/// The open queue: its lock, its connection and the prepared statements. Not
/// thread-safe: ``DurableQueue`` keeps it inside a `Mutex`.
final class QueueStore {
    /// How long a call waits for a lock that another connection (an `sqlite3` shell, say) holds.
    static let busyTimeoutMilliseconds: Int32 = 5000
    /// The size the write-ahead log is cut back to after a checkpoint, so a burst does not leave a huge file.
    static let walSizeLimitBytes = 64 << 20

    /// The write-ahead log's size (in pages) at which a commit checkpoints it itself: ≈ 64 MB at 4 KiB pages,
    /// against SQLite's default of 1000 pages. Normally the ``Checkpointer`` keeps it far smaller.
    static let fallbackCheckpointPages = 16_384

    let connection: SQLiteConnection
    private let lock: QueueLock
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    private let insert: SQLiteStatement
    /// ``rowsPerInsert`` rows at once: SQLite's work per statement (AUTOINCREMENT's bookkeeping among it) once
    /// per chunk of a batch rather than once per row.
    private let insertMany: SQLiteStatement
    static let rowsPerInsert = 32
    private let delete: SQLiteStatement
    private let countRange: SQLiteStatement
    private let deleteRange: SQLiteStatement
    private let retry: SQLiteStatement
    private let select: SQLiteStatement

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
        // Checkpoints run on the Checkpointer's connection; this one only checkpoints if the log grows this large.
        try connection.execute("PRAGMA wal_autocheckpoint = \(Self.fallbackCheckpointPages)")
        try QueueSchema.prepare(connection)

        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        rollback = try connection.prepare("ROLLBACK")
        insert = try connection.prepare(Self.insertSQL(rows: 1))
        insertMany = try connection.prepare(Self.insertSQL(rows: Self.rowsPerInsert))
        delete = try connection.prepare("DELETE FROM delivery WHERE seq = ?1")
        countRange = try connection.prepare("SELECT count(*) FROM delivery WHERE seq BETWEEN ?1 AND ?2")
        deleteRange = try connection.prepare("DELETE FROM delivery WHERE seq BETWEEN ?1 AND ?2")
        retry = try connection.prepare(
            "UPDATE delivery SET attempts = ?2, not_before = ?3, last_error = ?4 WHERE seq = ?1")
        select = try connection.prepare(
            """
            SELECT seq, message_id, rule, target, topic, payload, received_at, attempts, not_before, last_error
            FROM delivery WHERE seq > ?1 ORDER BY seq LIMIT ?2
            """)
        // Reads every page of the table once, so a damaged file is refused here rather than at the first message.
        _ = try connection.integer("SELECT count(*) FROM delivery")
    }

    /// Checkpoints and closes the database, then releases the lock.
    func close() {
        connection.close()
        lock.release()
    }

    func append(_ deliveries: [NewDelivery]) throws(QueueError) -> [Int64] {
        connection.operation = .append
        guard !deliveries.isEmpty else { return [] }
        return try transaction { () throws(QueueError) -> [Int64] in
            var seqs: [Int64] = []
            seqs.reserveCapacity(deliveries.count)
            var start = deliveries.startIndex
            while deliveries.endIndex - start >= Self.rowsPerInsert {
                let chunk = deliveries[start..<start + Self.rowsPerInsert]
                for (row, delivery) in chunk.enumerated() {
                    try bind(delivery, to: insertMany, row: row)
                }
                try insertMany.run()
                // AUTOINCREMENT numbers a statement's rows one after another, in the order of its VALUES.
                let last = connection.lastInsertedRowID
                seqs += (last - Int64(Self.rowsPerInsert) + 1)...last
                start += Self.rowsPerInsert
            }
            for delivery in deliveries[start...] {
                seqs.append(try insertRow(delivery))
            }
            return seqs
        }
    }

    func apply(_ changes: QueueChanges) throws(QueueError) -> AppliedChanges {
        connection.operation = .apply
        guard !changes.isEmpty else { return AppliedChanges() }
        return try transaction { () throws(QueueError) -> AppliedChanges in
            var applied = AppliedChanges()
            // Completions come mostly in runs of consecutive seqs (a lane's batch): a run whose rows are all
            // there goes in one range delete.
            var start = changes.completed.startIndex
            while start < changes.completed.endIndex {
                var end = start + 1
                while end < changes.completed.endIndex, changes.completed[end] == changes.completed[end - 1] + 1 {
                    end += 1
                }
                let run = changes.completed[start..<end]
                var deleted = false
                if run.count > 1 { deleted = try deleteWhole(run) }
                if !deleted {
                    for seq in run where !(try deleteRow(seq)) {
                        applied.missing.append(seq)
                    }
                }
                start = end
            }
            for change in changes.retries where !(try updateRow(change)) {
                applied.missing.append(change.seq)
            }
            applied.replacementSeqs.reserveCapacity(changes.replacements.count)
            for replacement in changes.replacements {
                guard try deleteRow(replacement.seq) else {
                    applied.missing.append(replacement.seq)
                    applied.replacementSeqs.append(nil)
                    continue
                }
                applied.replacementSeqs.append(try insertRow(replacement.with))
            }
            if !changes.parked.isEmpty {
                applied.missing += try park(changes.parked)
            }
            return applied
        }
    }

    func pending(after seq: Int64, limit: Int?) throws(QueueError) -> [QueuedDelivery] {
        connection.operation = .pending
        defer { select.reset() }
        try select.bind(seq, at: 1)
        try select.bind(Int64(limit ?? -1), at: 2)
        return try Self.deliveries(select)
    }

    /// The rows of a `SELECT seq, message_id, rule, target, topic, payload, received_at, attempts, not_before,
    /// last_error FROM delivery …`, stepped to the end.
    static func deliveries(_ statement: SQLiteStatement) throws(QueueError) -> [QueuedDelivery] {
        var rows: [QueuedDelivery] = []
        while try statement.step() {
            let delivery = NewDelivery(
                messageID: statement.text(at: 1), rule: statement.text(at: 2), target: statement.text(at: 3),
                topic: statement.text(at: 4), payload: statement.blob(at: 5), receivedAt: statement.int64(at: 6),
                attempts: Int(statement.int64(at: 7)), notBefore: statement.int64(at: 8),
                lastError: statement.optionalText(at: 9))
            rows.append(QueuedDelivery(seq: statement.int64(at: 0), delivery: delivery))
        }
        return rows
    }

    /// Counted from the file (a scan of the table): for tools and tests, not for every message.
    func depth() throws(QueueError) -> QueueDepth {
        let statement = try connection.prepare("SELECT rule, target, count(*) FROM delivery GROUP BY rule, target")
        defer { statement.finalize() }
        var byTarget: [String: Int] = [:]
        var total = 0
        while try statement.step() {
            let count = Int(statement.int64(at: 2))
            byTarget["\(statement.text(at: 0))/\(statement.text(at: 1))"] = count
            total += count
        }
        return QueueDepth(byTarget: byTarget, total: total)
    }

    // MARK: Rows

    func insertRow(_ delivery: NewDelivery) throws(QueueError) -> Int64 {
        try bind(delivery, to: insert, row: 0)
        try insert.run()
        return connection.lastInsertedRowID
    }

    /// Binds a delivery to row `row` (0-based) of an insert made by ``insertSQL(rows:)``.
    private func bind(_ delivery: NewDelivery, to statement: SQLiteStatement, row: Int) throws(QueueError) {
        let base = Int32(row * 9)
        try statement.bind(delivery.messageID, at: base + 1)
        try statement.bind(delivery.rule, at: base + 2)
        try statement.bind(delivery.target, at: base + 3)
        try statement.bind(delivery.topic, at: base + 4)
        try statement.bind(delivery.payload, at: base + 5)
        try statement.bind(delivery.receivedAt, at: base + 6)
        try statement.bind(Int64(delivery.attempts), at: base + 7)
        try statement.bind(delivery.notBefore, at: base + 8)
        try statement.bind(delivery.lastError, at: base + 9)
    }

    /// An insert of `rows` rows, nine parameters each.
    private static func insertSQL(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: 9).joined(separator: ", ") + ")"
        return """
            INSERT INTO delivery
                (message_id, rule, target, topic, payload, received_at, attempts, not_before, last_error)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """
    }

    /// Deletes a row; returns false if no row has that seq.
    private func deleteRow(_ seq: Int64) throws(QueueError) -> Bool {
        try delete.bind(seq, at: 1)
        try delete.run()
        return connection.changedRows > 0
    }

    /// Deletes the rows of consecutive seqs when every one of them is there; returns false (and deletes nothing)
    /// when some are not, so that the caller can name them.
    private func deleteWhole(_ run: ArraySlice<Int64>) throws(QueueError) -> Bool {
        guard let first = run.first, let last = run.last else { return true }
        defer { countRange.reset() }
        try countRange.bind(first, at: 1)
        try countRange.bind(last, at: 2)
        guard try countRange.step(), countRange.int64(at: 0) == Int64(run.count) else { return false }
        countRange.reset()
        try deleteRange.bind(first, at: 1)
        try deleteRange.bind(last, at: 2)
        try deleteRange.run()
        return true
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

    // MARK: Transactions

    /// Runs `body` in one write transaction: all of its changes are committed, or none.
    func transaction<T>(_ body: () throws(QueueError) -> T) throws(QueueError) -> T {
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
