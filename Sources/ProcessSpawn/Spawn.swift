import CSpawn
import Glibc
import POSIXThreads
import SystemPackage

/// Every system call of the ProcessSpawn module, and all its unsafe pointer work.
enum Spawn {
    struct Pipe {
        var read: Int32
        var write: Int32
    }

    /// A pipe whose both ends close on exec (the child gets its end through `dup2`, which clears the flag).
    static func pipe(for executable: String) throws(SpawnError) -> Pipe {
        var fds: [Int32] = [-1, -1]
        guard cspawn_pipe(&fds) == 0 else { throw failure(executable, "pipe2", errno) }
        return Pipe(read: fds[0], write: fds[1])
    }

    static func openNullDevice(for executable: String) throws(SpawnError) -> Int32 {
        let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw failure(executable, "open /dev/null", errno) }
        return fd
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// `cspawn_start`: fork, process group, parent-death signal, exec. Returns the pid once exec succeeded.
    static func start(
        path: String, arguments: [String], environment: [String], stdin: Int32, stdout: Int32, stderr: Int32,
        executable: String
    ) -> Result<Int32, SpawnError> {
        let argv = cStrings(arguments)
        let envp = cStrings(environment)
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var step: Int32 = 0
        let pid = cspawn_start(path, argv + [nil], envp + [nil], stdin, stdout, stderr, &step)
        guard pid > 0 else { return .failure(failure(executable, stepName(step), errno)) }
        return .success(pid)
    }

    private static func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
        strings.map { strdup($0) }
    }

    private static func stepName(_ step: Int32) -> String {
        switch UInt32(step) {
        case CSPAWN_STEP_PIPE.rawValue: "pipe2"
        case CSPAWN_STEP_FORK.rawValue: "fork"
        case CSPAWN_STEP_SETPGID.rawValue: "setpgid"
        case CSPAWN_STEP_PDEATHSIG.rawValue: "prctl(PR_SET_PDEATHSIG)"
        case CSPAWN_STEP_PARENT_GONE.rawValue: "parent exited during start"
        case CSPAWN_STEP_STDIO.rawValue: "dup2"
        default: "execve"
        }
    }

    static func failure(_ executable: String, _ call: String, _ code: Int32) -> SpawnError {
        let errno = Errno(rawValue: code)
        return SpawnError(executable: executable, reason: "\(call): \(errno)", errno: errno)
    }

    /// Blocks until the child `pid` has exited, leaving it unreaped.
    static func waitUntilExited(_ pid: Int32) {
        _ = cspawn_wait_exited(pid)
    }

    /// Reaps `pid`; nil if it was not our child (already reaped elsewhere).
    static func reap(_ pid: Int32) -> ProcessTermination? {
        var exited: Int32 = 0
        var code: Int32 = 0
        guard cspawn_reap(pid, &exited, &code) == 0 else { return nil }
        return exited != 0 ? .exited(code) : .signalled(code)
    }

    /// `kill(-pid)` and `kill(pid)`: the child's process group and, should it have left the group, the child.
    static func signalGroup(_ pid: Int32, _ number: Int32) {
        _ = kill(-pid, number)
        _ = kill(pid, number)
    }

    /// This process's environment as `NAME=value` entries.
    static func inheritedEnvironment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }

    /// `name` if it contains a slash, else the first executable file called `name` in `PATH`.
    static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return name }
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Reads `fds` until each reaches end of file, passing every chunk with the index of its descriptor; closes
    /// them at the end. Blocking: runs on a thread of its own.
    static func readUntilEndOfFile(_ fds: [Int32], _ chunk: (Int, ArraySlice<UInt8>) -> Void, _ ended: (Int) -> Void) {
        var open = fds.enumerated().map { pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0) }
        var indices = Array(fds.indices)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !open.isEmpty {
            guard poll(&open, nfds_t(open.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            var position = 0
            while position < open.count {
                guard open[position].revents != 0 else {
                    position += 1
                    continue
                }
                let fd = open[position].fd
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    chunk(indices[position], buffer[0..<count])
                    position += 1
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    position += 1
                } else {
                    ended(indices[position])
                    close(fd)
                    open.remove(at: position)
                    indices.remove(at: position)
                }
            }
        }
        for entry in open { close(entry.fd) }
    }

    // MARK: Threads

    /// Runs `body` on a new detached POSIX thread: blocking work that must not hold a thread of Swift's small
    /// cooperative pool, and the starting of a child, whose death signal is tied to the thread that forked it.
    static func thread(_ body: @escaping @Sendable () -> Void) {
        DetachedThread.start(body)
    }
}
