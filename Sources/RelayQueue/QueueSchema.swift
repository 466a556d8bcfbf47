/// The queue's table and its version, kept in the file header (`PRAGMA user_version`), with an application id
/// (`PRAGMA application_id`) that marks the file as a relay queue.
enum QueueSchema {
    /// The schema this code reads and writes. A change that older code cannot read bumps it, and ``prepare(_:)``
    /// migrates older files step by step.
    static let version: Int64 = 2
    /// `RLYQ`.
    static let applicationID: Int64 = 0x524C_5951

    /// One row per delivery. `AUTOINCREMENT` keeps seqs from being reused after the newest row is deleted, so a
    /// seq names one delivery forever. `STRICT` makes SQLite refuse values of the wrong type.
    static let createTables = """
        CREATE TABLE delivery (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL,
            rule TEXT NOT NULL,
            target TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            received_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            last_error TEXT
        ) STRICT;
        """ + createDeadLetters

    /// Version 2: deliveries that failed for good with nowhere to go (no error action), parked out of their lane
    /// until replayed. A row keeps the seq it had in `delivery`.
    static let createDeadLetters = """
        CREATE TABLE dead_letter (
            seq INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,
            rule TEXT NOT NULL,
            target TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            received_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            parked_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX dead_letter_rule ON dead_letter (rule, seq);
        """

    /// Creates the schema in a new (empty) database, or checks that an existing one is a relay queue this code
    /// can read; in one transaction.
    static func prepare(_ connection: SQLiteConnection) throws(QueueError) {
        let path = connection.path
        try connection.execute("BEGIN IMMEDIATE")
        do throws(QueueError) {
            let application = try connection.integer("PRAGMA application_id")
            let version = try connection.integer("PRAGMA user_version")
            let tables = try connection.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
            let hasQueue = try connection.integer(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'delivery'")
            if application != 0 && application != applicationID {
                throw notAQueue(path, "its application id is \(application), not a relay queue's (\(applicationID))")
            }
            if version == 0 && application == 0 {
                guard tables == 0 else {
                    throw notAQueue(path, "it holds tables of another program and no relay queue")
                }
                try connection.execute(createTables)
                try connection.execute(
                    "PRAGMA application_id = \(applicationID); PRAGMA user_version = \(Self.version);")
            } else if version > Self.version {
                throw QueueError(
                    .newerSchema, operation: .open, path: path,
                    reason: "it was written by a newer robot-server (queue schema version \(version); this one"
                        + " reads up to \(Self.version))",
                    hint: "run the newer robot-server again, or move the file aside (its queued deliveries are lost)")
            } else if application == 0 || hasQueue == 0 {
                throw notAQueue(path, "it lacks the relay queue's table")
            }
            // Migrations from older versions, one step at a time.
            if version == 1 {
                try connection.execute(createDeadLetters)
                try connection.execute("PRAGMA user_version = 2")
            }
            try connection.execute("COMMIT")
        } catch {
            if !connection.isAutocommit {
                try? connection.execute("ROLLBACK")
            }
            throw error
        }
    }

    private static func notAQueue(_ path: String, _ why: String) -> QueueError {
        QueueError(
            .notAQueue, operation: .open, path: path,
            reason: "the file is an SQLite database but not a relay queue: \(why)",
            hint: "check relay.queue.path: it must name a file of the relay's own (a new one is created if missing)")
    }
}
