import Glibc
import Synchronization

/// A supervised child process on Linux: no shell, a process group of its own, a parent-death signal (it cannot
/// outlive us, even after `kill -9`), its stdout and stderr delivered line by line.
///
/// Each child has two threads of its own: one that started it and waits for it (the parent-death signal is tied
/// to the thread that forked, so that thread lives exactly as long as the child) and one that reads its output.
/// The pid is reaped only under a lock that ``signal(_:)`` takes too, so a signal never reaches a recycled pid.
public final class SpawnedProcess: Sendable {
    /// Which output a line came from.
    public enum Stream: String, Sendable {
        case standardOutput = "stdout"
        case standardError = "stderr"
    }

    /// The child's pid, which is also its process group id.
    public let processIdentifier: Int32
    /// The argv it was started with.
    public let command: [String]
    private let exit = Mutex(ExitState())

    private struct ExitState {
        var termination: ProcessTermination?
        var waiters: [CheckedContinuation<ProcessTermination, Never>] = []
    }

    private init(processIdentifier: Int32, command: [String]) {
        self.processIdentifier = processIdentifier
        self.command = command
    }

    /// Starts `command` (argv; `command[0]` is a path, or a name looked up in `PATH`) with exactly `environment`
    /// (`NAME=value` entries) and stdin from /dev/null. Returns once `execve` succeeded.
    ///
    /// - Parameter output: called for every line the child writes, on a reader thread.
    public static func start(
        _ command: [String], environment: [String],
        output: @escaping @Sendable (Stream, String) -> Void
    ) async throws(SpawnError) -> SpawnedProcess {
        guard let executable = command.first, !executable.isEmpty else {
            throw SpawnError(executable: "", reason: "the command is empty")
        }
        let searchPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        guard let path = Spawn.resolve(executable, path: searchPath) else {
            throw SpawnError(executable: executable, reason: "not found in PATH", errno: .noSuchFileOrDirectory)
        }
        let stdout = try Spawn.pipe(for: executable)
        let stderr = try Spawn.pipe(for: executable)
        let null = try Spawn.openNullDevice(for: executable)
        let started = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<SpawnedProcess, SpawnError>, Never>) in
            Spawn.thread {
                let result = Spawn.start(
                    path: path, arguments: command, environment: environment,
                    stdin: null, stdout: stdout.write, stderr: stderr.write, executable: executable)
                for fd in [null, stdout.write, stderr.write] { Spawn.close(fd) }
                let pid: Int32
                switch result {
                case .success(let started):
                    pid = started
                case .failure(let error):
                    Spawn.close(stdout.read)
                    Spawn.close(stderr.read)
                    continuation.resume(returning: .failure(error))
                    return
                }
                let process = SpawnedProcess(processIdentifier: pid, command: command)
                Spawn.thread { forward(stdout.read, stderr.read, to: output) }
                continuation.resume(returning: .success(process))
                Spawn.waitUntilExited(pid)
                process.reap()
            }
        }
        return try started.get()
    }

    private static func forward(_ stdout: Int32, _ stderr: Int32, to output: (Stream, String) -> Void) {
        let streams: [Stream] = [.standardOutput, .standardError]
        var splitters = [OutputLineSplitter(), OutputLineSplitter()]
        Spawn.readUntilEndOfFile(
            [stdout, stderr],
            { index, bytes in
                for line in splitters[index].append(bytes) { output(streams[index], line) }
            },
            { index in
                if let line = splitters[index].finish() { output(streams[index], line) }
            })
    }

    private func reap() {
        let waiters = exit.withLock { state in
            state.termination = Spawn.reap(processIdentifier) ?? .exited(-1)
            defer { state.waiters = [] }
            return state.waiters
        }
        let termination = self.termination ?? .exited(-1)
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    /// This process's environment, as `NAME=value` entries, to pass on (amended) to a child.
    public static func inheritedEnvironment() -> [String] {
        Spawn.inheritedEnvironment()
    }

    /// How it ended; nil while it runs.
    public var termination: ProcessTermination? {
        exit.withLock { $0.termination }
    }

    /// Sends `number` to the child's process group (whatever the child started goes too); nothing once it ended.
    public func signal(_ number: Int32) {
        exit.withLock { state in
            if state.termination == nil { Spawn.signalGroup(processIdentifier, number) }
        }
    }

    /// Waits until it has exited.
    public func waitForExit() async -> ProcessTermination {
        await withCheckedContinuation { continuation in
            let ended = exit.withLock { state -> ProcessTermination? in
                if let termination = state.termination { return termination }
                state.waiters.append(continuation)
                return nil
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }

    /// SIGTERM to the group, then SIGKILL if it still runs after `grace`; returns how it ended.
    @discardableResult
    public func terminate(grace: Duration) async -> ProcessTermination {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let termination { return termination }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                break  // cancelled: no more patience
            }
        }
        signal(SIGKILL)
        return await waitForExit()
    }
}
