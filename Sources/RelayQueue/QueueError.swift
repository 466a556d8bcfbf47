import Basics
public import SystemPackage

/// A queue failure that explains itself: which file, what was being done, SQLite's message and code (and the
/// system's `errno`), and the likely fix.
///
/// Its `description` is one line for an operator, e.g. `cannot open the relay queue /var/lib/robot-server/relay.db:
/// directory /var/lib/robot-server does not exist (SQLite: unable to open database file [SQLITE_CANTOPEN 14];
/// errno ENOENT: No such file or directory) — create it (robot-server's systemd unit does, with StateDirectory=)
/// or fix relay.queue.path`.
public struct QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for code that reacts to some (a full disk, say) differently.
    public enum Code: String, Sendable, Equatable {
        /// The file cannot be opened or created: its directory is missing, a path component is not a directory…
        case cannotOpen
        /// The service user may not read or write the file, its directory, or SQLite's `-wal`/`-shm` files.
        case permissionDenied
        /// The file or its file system is read-only.
        case readOnly
        /// Another process (another robot-server?) has the queue open.
        case inUse
        /// The file is not an SQLite database.
        case notADatabase
        /// The database file is damaged.
        case corrupt
        /// The file is an SQLite database, but not a relay queue.
        case notAQueue
        /// The queue was written by a newer version with a schema this one does not know.
        case newerSchema
        /// SQLite cannot use its write-ahead log on this file system.
        case walUnavailable
        /// Another connection kept the database locked longer than the busy timeout.
        case busy
        /// The disk is full.
        case diskFull
        /// The disk or file system reported an I/O error.
        case io
        /// A value exceeds SQLite's size limits.
        case tooBig
        /// ``DurableQueue/close()`` was called before.
        case closed
        /// Any other SQLite failure.
        case sqlite
    }

    /// What was being done.
    public enum Operation: String, Sendable, Equatable {
        case open, append, apply, pending, depth, deadLetters, replay

        var verb: String {
            switch self {
            case .open: "open"
            case .append: "append to"
            case .apply: "apply changes to"
            case .pending: "read the pending deliveries of"
            case .depth: "read the depth of"
            case .deadLetters: "read the dead letters of"
            case .replay: "replay dead letters in"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What was being done.
    public var operation: Operation
    /// The queue's database file.
    public var path: String
    /// What went wrong, e.g. `directory /var/lib/robot-server does not exist`.
    public var reason: String
    /// SQLite's extended result code, if SQLite reported the failure.
    public var sqliteCode: Int32?
    /// SQLite's message, if SQLite reported the failure.
    public var sqliteMessage: String?
    /// The system's `errno` behind the failure, if known.
    public var systemErrno: Errno?
    /// The likely fix.
    public var hint: String

    /// Creates an error.
    public init(
        _ code: Code, operation: Operation, path: String, reason: String, sqliteCode: Int32? = nil,
        sqliteMessage: String? = nil, systemErrno: Errno? = nil, hint: String
    ) {
        self.code = code
        self.operation = operation
        self.path = path
        self.reason = reason
        self.sqliteCode = sqliteCode
        self.sqliteMessage = sqliteMessage
        self.systemErrno = systemErrno
        self.hint = hint
    }

    public var description: String {
        var causes: [String] = []
        if let sqliteCode {
            causes.append("SQLite: \(sqliteMessage ?? "error") [\(SQLiteCode.name(sqliteCode)) \(sqliteCode)]")
        }
        if let systemErrno {
            causes.append("errno \(systemErrno.symbol ?? String(systemErrno.rawValue)): \(systemErrno)")
        }
        let cause = causes.isEmpty ? "" : " (\(causes.joined(separator: "; ")))"
        let fix = hint.isEmpty ? "" : " — \(hint)"
        return "cannot \(operation.verb) the relay queue \(path.isEmpty ? "\"\"" : path): \(reason)\(cause)\(fix)"
    }
}
