import Synchronization

/// The relay's durable, at-least-once queue of deliveries: one SQLite database file, one row per (message,
/// target).
///
/// The relay appends a message's deliveries before it acknowledges the message, and records each outcome
/// (delivered, retry later, dead-lettered) with ``apply(_:)``; after a restart, ``pending(after:limit:)`` gives
/// back every delivery not yet completed. Every call is one SQLite transaction — a call's changes are all kept or
/// none is — and a call that returned survives the process being killed (see ``Durability``).
///
/// The database uses a write-ahead log (`journal_mode=WAL`), checkpointed by a thread of its own (``Checkpointer``),
/// and waits up to 5 s for another connection's lock.
/// One connection, guarded by a mutex, with prepared statements: calls from many tasks are serialised, so batch
/// work into few calls. An exclusive lock on `<path>-lock` keeps a second process from opening the same queue.
/// Calls block the calling thread for the duration of the transaction (microseconds to milliseconds; with
/// ``Durability/full``, one disk flush).
public final class DurableQueue: Sendable {
    /// The database file.
    public let path: String
    /// How commits are flushed.
    public let durability: Durability
    private let store: Mutex<QueueStore?>
    private let checkpointer: Checkpointer

    /// Opens the queue at `path`, creating the file (not its directory) if missing.
    ///
    /// Throws a ``QueueError`` that names the file and the fix when the directory is missing, permissions are
    /// wrong, the file is not a relay queue (or not a database, or damaged), was written by a newer version, or is
    /// open in another process.
    public init(path: String, durability: Durability = .normal) throws(QueueError) {
        self.path = path
        self.durability = durability
        self.store = Mutex(try QueueStore(path: path, durability: durability))
        self.checkpointer = try Checkpointer(path: path)
    }

    deinit {
        close()
    }

    /// Appends deliveries in one transaction and returns their seqs, in order. When it returns, they are durable.
    @discardableResult
    public func append(_ deliveries: [NewDelivery]) throws(QueueError) -> [Int64] {
        try withStore(.append) { store throws(QueueError) in try store.append(deliveries) }
    }

    /// Appends deliveries in one transaction and runs `handOff` with their seqs before the queue takes its next
    /// call: what the caller does with the new rows (the relay puts them in its lanes) then happens in seq order,
    /// whichever threads append. Keep `handOff` short; it must not call the queue.
    @discardableResult
    public func append(_ deliveries: [NewDelivery], then handOff: ([Int64]) -> Void) throws(QueueError) -> [Int64] {
        try withStore(.append) { store throws(QueueError) in
            let seqs = try store.append(deliveries)
            handOff(seqs)
            return seqs
        }
    }

    /// Records outcomes in one transaction: deletes completed rows, updates retried ones, replaces
    /// dead-lettered rows with their error-action deliveries, and parks rows in the dead letters.
    @discardableResult
    public func apply(_ changes: QueueChanges) throws(QueueError) -> AppliedChanges {
        try withStore(.apply) { store throws(QueueError) in try store.apply(changes) }
    }

    /// ``apply(_:)``, then `handOff` with the outcome before the queue takes its next call (see
    /// ``append(_:then:)``).
    @discardableResult
    public func apply(
        _ changes: QueueChanges, then handOff: (AppliedChanges) -> Void
    ) throws(QueueError) -> AppliedChanges {
        try withStore(.apply) { store throws(QueueError) in
            let applied = try store.apply(changes)
            handOff(applied)
            return applied
        }
    }

    /// One lane's (`rule`, `target`) queued deliveries in seq order from the seq `from` on, at most `limit`, handed
    /// to `handOff` before the queue takes its next call: no append can slip in between the read and what the caller
    /// does with the rows.
    public func pending(
        rule: String, target: String, from seq: Int64, limit: Int, then handOff: ([QueuedDelivery]) -> Void
    ) throws(QueueError) {
        try withStore(.pending) { store throws(QueueError) in
            handOff(try store.pending(rule: rule, target: target, from: seq, limit: limit))
        }
    }

    /// How many dead letters each rule has; rules with none are absent.
    public func deadLetterCounts() throws(QueueError) -> [String: Int] {
        try withStore(.deadLetters) { store throws(QueueError) in try store.deadLetterCounts() }
    }

    /// A rule's dead letters in seq order: at most `limit` after the seq `after`.
    public func deadLetters(rule: String, after seq: Int64 = 0, limit: Int = 100) throws(QueueError) -> [DeadLetter] {
        try withStore(.deadLetters) { store throws(QueueError) in
            try store.deadLetters(rule: rule, after: seq, limit: limit)
        }
    }

    /// Moves a rule's dead letters — all, or those whose seqs are given — back into the queue as new deliveries (no
    /// failed attempts, due now), in one transaction, and runs `handOff` with them before the next call (see
    /// ``append(_:then:)``). Returns them; seqs that name no dead letter of the rule are skipped. All of a rule's dead
    /// letters are read into memory at once: for many, pass their seqs a page at a time.
    @discardableResult
    public func replayDeadLetters(
        rule: String, seqs: [Int64]? = nil, then handOff: ([QueuedDelivery]) -> Void = { _ in }
    ) throws(QueueError) -> [QueuedDelivery] {
        try withStore(.replay) { store throws(QueueError) in
            let replayed = try store.replayDeadLetters(rule: rule, seqs: seqs)
            handOff(replayed)
            return replayed
        }
    }

    /// The queued deliveries in seq order, for resuming after a restart: all of them, or `limit` rows after the
    /// seq `after` to page through a large backlog.
    public func pending(after seq: Int64 = 0, limit: Int? = nil) throws(QueueError) -> [QueuedDelivery] {
        try withStore(.pending) { store throws(QueueError) in try store.pending(after: seq, limit: limit) }
    }

    /// How many deliveries are queued, per `"rule/target"` and in total: one query that reads the whole table (for
    /// tools and tests; the relay keeps its own counts).
    public func depth() throws(QueueError) -> QueueDepth {
        try withStore(.depth) { store throws(QueueError) in try store.depth() }
    }

    /// Closes the database (checkpointing its write-ahead log) and releases the lock. Later calls throw
    /// ``QueueError/Code/closed``. Idempotent; also done when the queue is deinitialised.
    public func close() {
        checkpointer.stop()
        store.withLock { store in
            store?.close()
            store = nil
        }
    }

    /// Runs `body` on the open store, under the mutex.
    func withStore<T: Sendable>(
        _ operation: QueueError.Operation, _ body: (QueueStore) throws(QueueError) -> T
    ) throws(QueueError) -> T {
        try store.withLock { store throws(QueueError) -> T in
            guard let store else {
                throw QueueError(
                    .closed, operation: operation, path: path, reason: "the queue was closed",
                    hint: "this is a bug in the caller: it used the queue after close()")
            }
            return try body(store)
        }
    }
}
