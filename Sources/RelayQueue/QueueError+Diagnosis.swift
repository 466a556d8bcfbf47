import CSQLite
import Glibc
import SystemPackage

extension QueueError {
    /// The error for a failed SQLite call: the kind and likely fix from SQLite's code, refined for open and
    /// permission failures by looking at the file, its directory and the `errno` SQLite saw.
    static func sqlite(
        _ code: Int32, message: String, systemErrno: Int32, path: String, operation: Operation
    ) -> QueueError {
        let errno = systemErrno == 0 ? nil : Errno(rawValue: systemErrno)
        func error(_ kind: Code, _ reason: String, _ hint: String) -> QueueError {
            QueueError(
                kind, operation: operation, path: path, reason: reason, sqliteCode: code, sqliteMessage: message,
                systemErrno: errno, hint: hint)
        }
        let directory = FileFacts.directory(of: path)
        switch code & 0xff {
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH, SQLITE_READONLY:
            if let found = FileFacts.diagnose(path: path, errno: systemErrno) {
                var diagnosed = error(found.code, found.reason, found.hint)
                if found.code == .permissionDenied && systemErrno != EACCES && systemErrno != EPERM {
                    diagnosed.systemErrno = nil  // SQLite's last errno (ENOENT of a first try, say) would mislead
                }
                return diagnosed
            }
            if code & 0xff == SQLITE_READONLY {
                return error(
                    .readOnly, "the database is read-only",
                    "the service user must be able to write \(path), \(path)-wal, \(path)-shm and their directory")
            }
            return error(
                .cannotOpen, "SQLite cannot open or create the file",
                "check relay.queue.path and the permissions of \(directory)")
        case SQLITE_NOTADB:
            return error(
                .notADatabase, "the file is not an SQLite database (or its header is damaged or encrypted)",
                "check relay.queue.path; if it is the relay's queue, move it aside (its queued deliveries are lost)"
                    + " and restart: a new queue is created")
        case SQLITE_CORRUPT:
            return error(
                .corrupt, "the database file is damaged",
                "stop robot-server, then salvage it (`sqlite3 \(path) .recover | sqlite3 recovered.db`, and move"
                    + " recovered.db in its place) or move it aside (its queued deliveries are lost)")
        case SQLITE_FULL:
            return error(.diskFull, "the disk is full", "free space on the file system holding \(directory)")
        case SQLITE_IOERR where systemErrno == ENOSPC || systemErrno == EDQUOT:
            return error(.diskFull, "the disk is full", "free space on the file system holding \(directory)")
        case SQLITE_IOERR where systemErrno == EROFS:
            return error(
                .readOnly, "the file system is read-only",
                "remount it read-write, or put the queue on a writable file system (relay.queue.path)")
        case SQLITE_IOERR:
            return error(
                .io, "the disk or file system reported an I/O error",
                "check the disk holding \(directory) (`dmesg`); if the file was deleted or moved while"
                    + " robot-server ran, restart it")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return error(
                .busy, "another connection kept the database locked too long",
                "a process such as an `sqlite3` shell holds a transaction on \(path): end it")
        case SQLITE_TOOBIG:
            return error(.tooBig, "a value exceeds SQLite's size limit", "drop oversized payloads before queueing")
        case SQLITE_NOMEM:
            return error(.sqlite, "SQLite ran out of memory", "give robot-server more memory")
        default:
            return error(
                .sqlite, "SQLite failed", "this is likely a bug in RelayQueue: report it with this message")
        }
    }

    /// The error for a failed system call on the queue's lock file.
    static func lockFile(_ lockPath: String, errno: Int32, path: String) -> QueueError {
        if let found = FileFacts.diagnose(path: path, errno: errno) {
            return QueueError(
                found.code, operation: .open, path: path, reason: found.reason, systemErrno: Errno(rawValue: errno),
                hint: found.hint)
        }
        return QueueError(
            .cannotOpen, operation: .open, path: path, reason: "cannot open or lock the lock file \(lockPath)",
            systemErrno: Errno(rawValue: errno),
            hint: "check relay.queue.path and the permissions of \(FileFacts.directory(of: path))")
    }
}

/// What the file system says about a queue's path, to explain why it cannot be opened.
enum FileFacts {
    /// The directory holding `path` (`.` for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// A precise reason and fix when the path, its directory or a permission explains a failure to open.
    static func diagnose(path: String, errno: Int32) -> (code: QueueError.Code, reason: String, hint: String)? {
        let directory = directory(of: path)
        guard let directoryMode = mode(of: directory) else {
            return (
                .cannotOpen, "directory \(directory) does not exist",
                "create it (robot-server's systemd unit does, with StateDirectory=) or fix relay.queue.path"
            )
        }
        guard directoryMode & S_IFMT == S_IFDIR else {
            return (.cannotOpen, "\(directory) is not a directory", "fix relay.queue.path")
        }
        if let fileMode = mode(of: path), fileMode & S_IFMT == S_IFDIR {
            return (
                .cannotOpen, "\(path) is a directory", "relay.queue.path names the database file, e.g. \(path)/relay.db"
            )
        }
        if errno == EROFS {
            return (
                .readOnly, "the file system holding \(directory) is read-only",
                "put the queue on a writable file system (relay.queue.path), e.g. under /var/lib/robot-server"
            )
        }
        if access(directory, W_OK | X_OK) != 0 {
            return (
                .permissionDenied, "\(currentUser()) may not create files in \(directory)",
                "SQLite creates \(path)-wal and -shm beside the database: make \(directory) writable by the"
                    + " service user (chown), or fix relay.queue.path"
            )
        }
        for file in [path, path + "-wal", path + "-shm", path + "-lock"]
        where mode(of: file) != nil && access(file, R_OK | W_OK) != 0 {
            return (
                .permissionDenied, "\(currentUser()) may not read and write \(file)",
                "chown the queue's files to the service user (robot-server's files must not be created as root)"
            )
        }
        return nil
    }

    /// `st_mode` of `path` (following symbolic links), or nil if it does not exist or cannot be examined.
    static func mode(of path: String) -> mode_t? {
        var facts = stat()
        return stat(path, &facts) == 0 ? facts.st_mode : nil
    }

    /// `user robot (uid 998)`.
    static func currentUser() -> String {
        let uid = geteuid()
        let name = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer -> String? in
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            guard let base = buffer.baseAddress, getpwuid_r(uid, &entry, base, buffer.count, &found) == 0, found != nil,
                let name = entry.pw_name
            else { return nil }
            return String(cString: name)
        }
        guard let name else { return "uid \(uid)" }
        return "user \(name) (uid \(uid))"
    }
}
