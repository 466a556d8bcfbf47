/// How hard a commit works to survive a crash (`relay.queue.durability` in server.json).
///
/// The queue always uses SQLite's write-ahead log; this chooses its `PRAGMA synchronous`. The relay's configuration
/// defaults to ``full`` (docs/RELAY.md has the measurements and the trade).
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=NORMAL`: a committed call survives the process being killed (`kill -9`, a crash, an
    /// out-of-memory kill); after a power loss or kernel panic the last commits may be rolled back.
    /// The database is never corrupted either way. Fast: commits do not wait for the disk.
    case normal
    /// `synchronous=FULL`: every commit is flushed to the disk (`fsync`) before the call returns, so it also
    /// survives a power loss — at the price of one disk flush per call.
    case full

    /// The `PRAGMA synchronous` value.
    var synchronousPragma: String {
        switch self {
        case .normal: "NORMAL"
        case .full: "FULL"
        }
    }
}
