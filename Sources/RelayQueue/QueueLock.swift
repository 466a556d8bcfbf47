import Glibc
import Synchronization

/// An exclusive `flock` on `<path>-lock`, held while a ``DurableQueue`` is open, so that two processes (two
/// robot-servers with the same `relay.queue.path`) never deliver the same rows.
///
/// A separate file, because SQLite holds POSIX locks on the database, and closing any other descriptor of it
/// would drop them. The kernel releases the lock when the process dies, `kill -9` included. The file holds the
/// holder's pid, for the error message of the next one.
///
/// An `flock` belongs to the open file description, which a child forked by any thread of this process shares
/// until it calls `exec` (`O_CLOEXEC` only acts at the `exec`). Closing our descriptor alone would leave the lock
/// held by such a child for that window, so ``release()`` unlocks explicitly first: `LOCK_UN` releases it for
/// every duplicate of the description (flock(2)). A registry of the lock files this process holds tells, when the
/// file names our own pid, whether we really have the queue open or a child being spawned holds an inherited
/// duplicate; the latter is waited for briefly (``childGracePeriod``).
final class QueueLock {
    let lockPath: String
    private var descriptor: Int32
    /// The key of this lock in ``held``: the lock file's canonical path.
    private var registered: String?

    /// The canonical paths of the lock files this process holds.
    private static let held = Mutex<Set<String>>([])
    /// How long a lock that names this process but is held by none of its queues is waited for: a child between
    /// `fork` and `exec` lets go within milliseconds.
    static let childGracePeriod = Duration.seconds(1)

    /// Takes the lock, or throws ``QueueError/Code/inUse`` naming the holder.
    init(databasePath path: String) throws(QueueError) {
        lockPath = path + "-lock"
        descriptor = -1
        repeat {
            descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw QueueError.lockFile(lockPath, errno: errno, path: path)
        }
        let canonical = Self.canonicalPath(lockPath)
        let deadline = ContinuousClock.now + Self.childGracePeriod
        while true {
            let number = Self.tryLock(descriptor)
            if number == 0 { break }
            let holder = Self.readHolder(descriptor)
            guard number == EWOULDBLOCK else {
                giveUp()
                throw QueueError.lockFile(lockPath, errno: number, path: path)
            }
            guard holder == getpid() else {
                giveUp()
                throw QueueError(
                    .inUse, operation: .open, path: path,
                    reason: "another process\(holder.map { " (pid \($0))" } ?? "") has it open (it holds \(lockPath))",
                    hint: "is another robot-server running with the same relay.queue.path? Stop it, or give each its"
                        + " own queue file")
            }
            if Self.held.withLock({ $0.contains(canonical) }) {
                giveUp()
                throw QueueError(
                    .inUse, operation: .open, path: path, reason: "this process has it open already",
                    hint: "open each queue file once and share the DurableQueue")
            }
            // Our pid, but none of our queues: a child being spawned holds a duplicate, or another process has
            // just taken the lock and not yet written its pid. Either lets go or names itself soon.
            guard ContinuousClock.now < deadline else {
                giveUp()
                throw QueueError(
                    .inUse, operation: .open, path: path,
                    reason: "a child of this process (pid \(getpid())) still holds \(lockPath) after"
                        + " \(Self.childGracePeriod): it inherited the lock's descriptor from a queue of ours and has"
                        + " not yet called exec, or exited",
                    hint: "look for a child process that hangs between fork and exec; no queue of this process has"
                        + " the file open")
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            _ = nanosleep(&pause, nil)
        }
        Self.held.withLock { _ = $0.insert(canonical) }
        registered = canonical
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit {
        release()
    }

    /// Gives the lock up, also for any child that inherited the descriptor and has not exec'd yet. Idempotent.
    func release() {
        guard descriptor >= 0 else { return }
        if let registered {
            Self.held.withLock { _ = $0.remove(registered) }
            self.registered = nil
        }
        // Unlocked before the close: the lock is the open file description's, which a forked child may share.
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    /// Closes the descriptor of a lock not taken. Marked closed, so that `deinit` — which runs when the initializer
    /// throws, all properties being set — does not close the number again (by then maybe another thread's file).
    private func giveUp() {
        close(descriptor)
        descriptor = -1
    }

    /// 0 when the lock is taken, else the errno.
    private static func tryLock(_ descriptor: Int32) -> Int32 {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }

    private static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        return Int32(text.split(separator: "\n").first.map(String.init) ?? "")
    }
}
