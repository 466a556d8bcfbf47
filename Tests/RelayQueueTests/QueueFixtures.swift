import CSQLite
import Foundation
import RelayQueue
import TestSupport

/// A queue file path in a fresh scratch folder (the file does not exist yet).
func freshQueuePath(_ label: String = "queue") throws -> String {
    try ScratchDirectory.make(label).appending(path: "relay.db").path
}

/// A delivery whose fields all derive from `number`, so that rows are told apart.
func sampleDelivery(
    _ number: Int, rule: String = "hooks", target: String = "0", payload: [UInt8]? = nil
) -> NewDelivery {
    NewDelivery(
        messageID: "message-\(number)", rule: rule, target: target, topic: "cross_account_hooks/111/op\(number)",
        payload: payload ?? Array("{\"n\":\(number)}".utf8), receivedAt: 1_700_000_000_000 + Int64(number))
}

/// Reads and writes a database with a connection of its own — not RelayQueue's code — to check what RelayQueue
/// wrote, or to prepare a file it must refuse.
enum RawSQLite {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The first column of the first row of `sql`, as text.
    static func text(_ path: String, _ sql: String) throws -> String? {
        try withConnection(path) { handle in
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
                throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
            }
            defer { sqlite3_finalize(statement) }
            let code = sqlite3_step(statement)
            guard code == SQLITE_ROW else {
                guard code == SQLITE_DONE else {
                    throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
                }
                return nil
            }
            return sqlite3_column_text(statement, 0).map { String(cString: $0) }
        }
    }

    /// Runs statements.
    static func execute(_ path: String, _ sql: String) throws {
        try withConnection(path) { handle in
            guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
                throw Failure(description: "\(sql): \(String(cString: sqlite3_errmsg(handle)))")
            }
        }
    }

    private static func withConnection<T>(_ path: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            defer { sqlite3_close_v2(handle) }
            throw Failure(description: "cannot open \(path): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_close_v2(handle) }
        sqlite3_busy_timeout(handle, 5000)
        return try body(handle)
    }
}
