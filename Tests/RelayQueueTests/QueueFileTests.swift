import Foundation
@testable import RelayQueue
import TestSupport
import Testing

/// The database file: its settings, its schema version, and clear errors for files the queue must refuse.
@Suite struct QueueFileTests {
    @Test(arguments: Durability.allCases)
    func theFileUsesAWriteAheadLog(durability: Durability) throws {
        let path = try freshQueuePath()
        let queue = try DurableQueue(path: path, durability: durability)
        try queue.append([sampleDelivery(1)])
        #expect(try RawSQLite.text(path, "PRAGMA journal_mode") == "wal", "read by another connection")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let synchronous = try queue.withStore(.depth) { store throws(QueueError) in
            try store.connection.integer("PRAGMA synchronous")
        }
        #expect(synchronous == (durability == .full ? 2 : 1), "FULL is 2, NORMAL is 1")
        #expect(
            try queue.withStore(.depth) { store throws(QueueError) in
                try store.connection.integer("PRAGMA busy_timeout")
            } == 5000)
        queue.close()
        #expect(try RawSQLite.text(path, "PRAGMA journal_mode") == "wal", "persists in the file")
        #expect(try RawSQLite.text(path, "SELECT count(*) FROM delivery") == "1")
    }

    @Test func theLogIsCheckpointedInTheBackgroundNotByTheAppends() async throws {
        let path = try freshQueuePath()
        let queue = try DurableQueue(path: path)
        defer { queue.close() }
        let autocheckpoint = try queue.withStore(.depth) { store throws(QueueError) in
            try store.connection.integer("PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == Int64(QueueStore.fallbackCheckpointPages), "appends leave checkpoints to the thread")
        // ≈ 3 MB: far below the fallback, so only the checkpointer can move it from the log into the file.
        for batch in 0..<10 {
            try queue.append((0..<100).map { sampleDelivery(batch * 100 + $0, payload: Array(repeating: 7, count: 3000)) })
        }
        var size = 0
        for _ in 0..<40 where size < 3_000_000 {
            try await Task.sleep(for: Checkpointer.interval)
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        }
        #expect(size >= 3_000_000, "the database file holds the rows while the queue is open (\(size) bytes)")
    }

    @Test func theSchemaVersionIsInTheFileHeader() throws {
        let path = try freshQueuePath()
        try DurableQueue(path: path).close()
        #expect(try RawSQLite.text(path, "PRAGMA user_version") == "2")
        #expect(try RawSQLite.text(path, "PRAGMA application_id") == String(0x524C_5951))
    }

    @Test func aNewerSchemaIsRefused() throws {
        let path = try freshQueuePath()
        try DurableQueue(path: path).close()
        try RawSQLite.execute(path, "PRAGMA user_version = 3")
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .newerSchema)
        #expect(error?.description.contains("cannot open the relay queue \(path)") == true)
        #expect(error?.description.contains("schema version 3; this one reads up to 2") == true)
        #expect(try RawSQLite.text(path, "PRAGMA user_version") == "3", "left as it was")
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let path = try freshQueuePath()
        try RawSQLite.execute(path, "CREATE TABLE notes (body TEXT)")
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .notAQueue)
        #expect(error?.description.contains("not a relay queue") == true)
        #expect(try RawSQLite.text(path, "SELECT count(*) FROM sqlite_schema") == "1", "nothing added")
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let path = try freshQueuePath()
        try String(repeating: "these are not the pages you are looking for\n", count: 200)
            .write(toFile: path, atomically: false, encoding: .utf8)
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .notADatabase)
        #expect(error?.sqliteCode == 26)
        for part in [path, "not an SQLite database", "file is not a database [SQLITE_NOTADB 26]", "move it aside"] {
            #expect(error?.description.contains(part) == true, "\(error.map { "\($0)" } ?? "") mentions \(part)")
        }
    }

    @Test func aDamagedDatabaseIsRefused() throws {
        let path = try freshQueuePath()
        let queue = try DurableQueue(path: path)
        for batch in 0..<10 {
            try queue.append(
                (0..<100).map { sampleDelivery(batch * 100 + $0, payload: Array(repeating: 1, count: 300)) })
        }
        queue.close()
        // Keep the header page, scribble over the next 60 pages (the table's pages).
        let handle = try FileHandle(forWritingTo: URL(filePath: path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096 * 60))
        try handle.close()

        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.sqliteCode.map { $0 & 0xff } == 11)
        for part in [path, "damaged", "SQLITE_CORRUPT", ".recover"] {
            #expect(error?.description.contains(part) == true, "\(error.map { "\($0)" } ?? "") mentions \(part)")
        }
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let folder = try ScratchDirectory.make("missing").appending(path: "state/robot-server").path
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: folder + "/relay.db") }
        #expect(error?.code == .cannotOpen)
        #expect(error?.sqliteCode == 14)
        for part in ["directory \(folder) does not exist", "SQLITE_CANTOPEN", "ENOENT", "StateDirectory="] {
            #expect(error?.description.contains(part) == true, "\(error.map { "\($0)" } ?? "") mentions \(part)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder), "creates no directory")
    }

    @Test func aPathThroughAFileOrToADirectoryIsNamed() throws {
        let folder = try ScratchDirectory.make("paths")
        let file = folder.appending(path: "plain").path
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        let throughFile = #expect(throws: QueueError.self) { try DurableQueue(path: file + "/relay.db") }
        #expect(throughFile?.description.contains("\(file) is not a directory") == true)
        let toDirectory = #expect(throws: QueueError.self) { try DurableQueue(path: folder.path) }
        #expect(toDirectory?.description.contains("\(folder.path) is a directory") == true)
    }

    @Test func aQueueOpensInOneOwnerAtATime() throws {
        let path = try freshQueuePath()
        let queue = try DurableQueue(path: path)
        let error = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
        #expect(error?.code == .inUse)
        #expect(error?.description.contains("has it open already") == true)
        queue.close()
        try DurableQueue(path: path).close()
    }

    @Test func callsAfterCloseThrow() throws {
        let queue = try DurableQueue(path: try freshQueuePath())
        queue.close()
        queue.close()
        let error = #expect(throws: QueueError.self) { try queue.append([sampleDelivery(1)]) }
        #expect(error?.code == .closed)
        #expect(error?.operation == .append)
        #expect((#expect(throws: QueueError.self) { try queue.pending() })?.code == .closed)
    }

    /// Permissions, seen by an unprivileged user: the probe runs as `nobody` when the tests run as root.
    @Test func permissionProblemsNameTheUserAndTheFile() async throws {
        let folder = try ScratchDirectory.make("permissions")
        let locked = folder.appending(path: "locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        let open = folder.appending(path: "open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: open.path)
        let foreign = open.appending(path: "relay.db").path
        try DurableQueue(path: foreign).close()
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: foreign)

        let probe = try RepositoryPaths.product("relay-queue-probe").path
        func runProbe(_ path: String) async throws -> ChildProcess.Result {
            let (command, arguments) =
                geteuid() == 0
                ? ("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", probe, path, "1", "2"])
                : (probe, [path, "1", "2"])
            return try await ChildProcess.run(command, arguments, timeout: .seconds(20))
        }

        let inLocked = try await runProbe(locked.path + "/relay.db")
        #expect(inLocked.termination == .exited(1), "\(inLocked.standardError)")
        let uid = geteuid() == 0 ? 65534 : geteuid()
        for part in ["(uid \(uid)) may not create files in \(locked.path)", "SQLITE_CANTOPEN", "chown"] {
            #expect(inLocked.standardError.contains(part), "\(inLocked.standardError) mentions \(part)")
        }
        let notWritable = try await runProbe(foreign)
        #expect(notWritable.termination == .exited(1), "\(notWritable.standardError)")
        for part in ["(uid \(uid)) may not read and write \(foreign)", "SQLITE_READONLY"] {
            #expect(notWritable.standardError.contains(part), "\(notWritable.standardError) mentions \(part)")
        }
    }
}
