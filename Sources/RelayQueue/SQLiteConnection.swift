import CSQLite
import Glibc

/// One sqlite3 connection, opened in multi-thread mode (`SQLITE_OPEN_NOMUTEX`): it is not thread-safe, and
/// ``DurableQueue`` keeps it inside a `Mutex`. All of the module's C calls on connections and statements are in
/// this file and SQLiteStatement.swift.
final class SQLiteConnection {
    let path: String
    /// What the caller is doing, for the errors this connection raises.
    var operation: QueueError.Operation = .open
    private(set) var handle: OpaquePointer?
    private var statements: [SQLiteStatement] = []

    /// Opens (creating if missing) the database at `path` with extended result codes and a busy timeout.
    init(path: String, busyTimeoutMilliseconds: Int32) throws(QueueError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            let systemErrno = handle.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(handle)
            throw QueueError.sqlite(code, message: message, systemErrno: systemErrno, path: path, operation: .open)
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        // SQLite quietly falls back to read-only when it may not write an existing file.
        if sqlite3_db_readonly(handle, "main") == 1 {
            close()
            throw QueueError.sqlite(
                SQLITE_READONLY, message: String(cString: sqlite3_errstr(SQLITE_READONLY)), systemErrno: EACCES,
                path: path, operation: .open)
        }
    }

    deinit {
        close()
    }

    /// The error for `code` just returned by a call on this connection, with SQLite's message and `errno`.
    func error(_ code: Int32) -> QueueError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let systemErrno = handle.map { sqlite3_system_errno($0) } ?? 0
        return QueueError.sqlite(code, message: message, systemErrno: systemErrno, path: path, operation: operation)
    }

    /// Compiles `sql` into a statement kept until ``close()``.
    func prepare(_ sql: String) throws(QueueError) -> SQLiteStatement {
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else { throw error(code) }
        let statement = SQLiteStatement(pointer, connection: self)
        statements.append(statement)
        return statement
    }

    /// Runs one or more statements that return no rows we need.
    func execute(_ sql: String) throws(QueueError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// The first column of the first row of `sql` (a pragma, say) as text; nil if it returns no row or NULL.
    func text(_ sql: String) throws(QueueError) -> String? {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        guard try statement.step() else { return nil }
        return statement.optionalText(at: 0)
    }

    /// The first column of the first row of `sql` as an integer; 0 if it returns no row.
    func integer(_ sql: String) throws(QueueError) -> Int64 {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        guard try statement.step() else { return 0 }
        return statement.int64(at: 0)
    }

    /// Copies what it can of the write-ahead log into the database file without waiting for other connections
    /// (`SQLITE_CHECKPOINT_PASSIVE`); returns the log's size and how much of it is now copied, in frames.
    @discardableResult
    func checkpoint() throws(QueueError) -> (logFrames: Int32, copiedFrames: Int32) {
        var logFrames: Int32 = 0
        var copiedFrames: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copiedFrames)
        guard code == SQLITE_OK else { throw error(code) }
        return (logFrames, copiedFrames)
    }

    /// The rowid of the latest successful `INSERT`.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The rows changed by the latest `INSERT`, `UPDATE` or `DELETE`.
    var changedRows: Int64 { sqlite3_changes64(handle) }

    /// Whether no transaction is open.
    var isAutocommit: Bool { handle.map { sqlite3_get_autocommit($0) != 0 } ?? true }

    /// Sets SQLite's limit on the size of a string or blob (`SQLITE_LIMIT_LENGTH`); for tests.
    func limitLength(_ bytes: Int32) {
        sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, bytes)
    }

    /// Finalizes the statements and closes the connection; the last connection's close checkpoints the write-ahead
    /// log and removes the `-wal` and `-shm` files. Idempotent.
    func close() {
        guard let handle else { return }
        for statement in statements {
            statement.release()
        }
        statements = []
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    fileprivate func forget(_ statement: SQLiteStatement) {
        statements.removeAll { $0 === statement }
    }
}

/// A prepared statement of a ``SQLiteConnection``. Bound buffers are copied (`SQLITE_TRANSIENT`).
final class SQLiteStatement {
    private var pointer: OpaquePointer?
    private unowned let connection: SQLiteConnection

    fileprivate init(_ pointer: OpaquePointer, connection: SQLiteConnection) {
        self.pointer = pointer
        self.connection = connection
    }

    /// Binds an integer to the 1-based parameter `index`.
    func bind(_ value: Int64, at index: Int32) throws(QueueError) {
        try check(sqlite3_bind_int64(pointer, index, value))
    }

    /// Binds text, or NULL for nil, to the 1-based parameter `index`. An empty string stays an empty string.
    func bind(_ value: String?, at index: Int32) throws(QueueError) {
        guard var value else {
            try check(sqlite3_bind_null(pointer, index))
            return
        }
        let code = value.withUTF8 { bytes in
            sqlite3_bind_text64(
                pointer, index, bytes.baseAddress.map { UnsafeRawPointer($0) } ?? emptyBytes,
                UInt64(bytes.count), transient, UInt8(SQLITE_UTF8)
            )
        }
        try check(code)
    }

    /// Binds a blob to the 1-based parameter `index`. An empty array stays an empty blob, not NULL.
    func bind(_ value: [UInt8], at index: Int32) throws(QueueError) {
        let code = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob64(
                pointer, index, bytes.baseAddress ?? emptyBytes, UInt64(bytes.count), transient)
        }
        try check(code)
    }

    /// Runs the statement to its next row: true if there is one, false when done.
    func step() throws(QueueError) -> Bool {
        let code = sqlite3_step(pointer)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code)
            sqlite3_reset(pointer)
            throw error
        }
    }

    /// Steps through all rows, for statements that return none.
    func run() throws(QueueError) {
        defer { reset() }
        while try step() {}
    }

    /// Rewinds the statement for the next use, keeping its bindings.
    func reset() {
        sqlite3_reset(pointer)
    }

    /// The integer in column `index` (0-based) of the current row.
    func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(pointer, index)
    }

    /// The text in column `index` of the current row (empty for NULL).
    func text(at index: Int32) -> String {
        optionalText(at: index) ?? ""
    }

    /// The text in column `index` of the current row, or nil for NULL.
    func optionalText(at index: Int32) -> String? {
        guard sqlite3_column_type(pointer, index) != SQLITE_NULL else { return nil }
        guard let bytes = sqlite3_column_text(pointer, index) else { return "" }
        let count = Int(sqlite3_column_bytes(pointer, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The bytes in column `index` of the current row (empty for NULL or an empty blob).
    func blob(at index: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(pointer, index) else { return [] }
        let count = Int(sqlite3_column_bytes(pointer, index))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Releases the statement now rather than when the connection closes.
    func finalize() {
        guard pointer != nil else { return }
        release()
        connection.forget(self)
    }

    /// Finalizes the statement (the connection is closing).
    fileprivate func release() {
        sqlite3_finalize(pointer)
        pointer = nil
    }

    private func check(_ code: Int32) throws(QueueError) {
        guard code == SQLITE_OK else { throw connection.error(code) }
    }
}

/// SQLite's `SQLITE_TRANSIENT` (a macro Swift does not import): copy the bound buffer before the call returns.
private var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

/// A valid address for zero bytes, for binding an empty string or blob (a nil address would bind NULL).
private var emptyBytes: UnsafeRawPointer { UnsafeRawPointer(("" as StaticString).utf8Start) }
