import Glibc

/// An exclusive `flock` on `<path>-lock`, held while a ``DurableQueue`` is open, so that two processes (two
/// robot-servers with the same `relay.queue.path`) never deliver the same rows.
///
/// A separate file, because SQLite holds POSIX locks on the database, and closing any other descriptor of it
/// would drop them. The kernel releases the lock when the process dies, `kill -9` included. The file holds the
/// holder's pid, for the error message of the next one.
final class QueueLock {
    let lockPath: String
    private var descriptor: Int32

    /// Takes the lock, or throws ``QueueError/Code/inUse`` naming the holder's pid.
    init(databasePath path: String) throws(QueueError) {
        lockPath = path + "-lock"
        descriptor = -1
        repeat {
            descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw QueueError.lockFile(lockPath, errno: errno, path: path)
        }
        var result: Int32
        repeat {
            result = flock(descriptor, LOCK_EX | LOCK_NB)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let number = errno
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            guard number == EWOULDBLOCK else {
                throw QueueError.lockFile(lockPath, errno: number, path: path)
            }
            if holder == getpid() {
                throw QueueError(
                    .inUse, operation: .open, path: path, reason: "this process has it open already",
                    hint: "open each queue file once and share the DurableQueue")
            }
            throw QueueError(
                .inUse, operation: .open, path: path,
                reason: "another process\(holder.map { " (pid \($0))" } ?? "") has it open (it holds \(lockPath))",
                hint: "is another robot-server running with the same relay.queue.path? Stop it, or give each its"
                    + " own queue file")
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit {
        release()
    }

    /// Gives the lock up. Idempotent.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)  // drops the flock; the file stays, empty of meaning
        descriptor = -1
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        return Int32(text.split(separator: "\n").first.map(String.init) ?? "")
    }
}
