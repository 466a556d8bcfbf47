import Glibc
import POSIXThreads
import Synchronization

/// Copies the write-ahead log into the database file, on a connection and a thread of its own.
///
/// With `synchronous=NORMAL` a commit writes the log without flushing it; the flushes happen at checkpoints, and
/// one took 1–50 ms here. Left to SQLite's automatic checkpoints, the commit that crosses the threshold runs it —
/// on the queue's one connection, under its mutex — and every append waits, while the relay acknowledges its
/// source broker only after an append. Here a thread checkpoints every ``interval`` instead, without the mutex;
/// SQLite lets a checkpoint run beside a writer. The queue's own connection keeps an automatic checkpoint at
/// ``QueueStore/fallbackCheckpointPages`` in case this one falls behind.
final class Checkpointer: Sendable {
    static let interval = Duration.milliseconds(50)

    /// nil once stopped.
    private let connection: Mutex<SQLiteConnection?>

    init(path: String) throws(QueueError) {
        // A passive checkpoint never waits for a lock, so no busy timeout.
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 0)
        // Reading the file's header makes the connection see the log (until then a checkpoint finds none).
        _ = try connection.text("PRAGMA journal_mode")
        self.connection = Mutex(connection)
        DetachedThread.start { [self] in run() }
    }

    /// Closes the connection (after a checkpoint in progress); the thread ends at its next turn.
    func stop() {
        connection.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    private func run() {
        let (seconds, attoseconds) = Self.interval.components
        while true {
            var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            _ = nanosleep(&pause, nil)
            let stopped = connection.withLock { connection -> Bool in
                guard let connection else { return true }
                // A failure (the disk, a lock) is retried at the next turn; the fallback checkpoint bounds the log.
                _ = try? connection.checkpoint()
                return false
            }
            if stopped { return }
        }
    }
}
