public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A process started by a test — a broker, `mosquitto_sub`, the built `robotd` — with its
/// output captured to files, so a test can wait for a line, signal it, and wait for it to
/// exit, and so that nothing outlives the test.
///
/// stdin is /dev/null; stdout and stderr go to ``standardOutputFile`` and
/// ``standardErrorFile`` (read back at any time, also after exit). The process runs in a
/// process group of its own (Foundation does that), so ``kill()`` and `deinit` take down
/// whatever it started too; `deinit` sends SIGKILL if it still runs. Started processes
/// are listed in ``ScratchDirectory`` so that the next test run kills them if this one
/// crashes first.
public final class ChildProcess: Sendable {
    /// Which captured output to look at.
    public enum Output: Sendable {
        case standardOutput, standardError, any
    }

    /// How a process ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    /// The executable's path followed by the arguments.
    public let command: [String]
    public let processIdentifier: Int32
    public let standardOutputFile: URL
    public let standardErrorFile: URL

    private let process: Process
    private let ownsProcessGroup: Bool

    private init(process: Process, command: [String], standardOutputFile: URL, standardErrorFile: URL) {
        self.process = process
        self.command = command
        self.processIdentifier = process.processIdentifier
        self.standardOutputFile = standardOutputFile
        self.standardErrorFile = standardErrorFile
        self.ownsProcessGroup = getpgid(process.processIdentifier) == process.processIdentifier
    }

    deinit {
        if process.isRunning {
            signalAll(SIGKILL)
        }
    }

    /// Starts `executable` (a path, or a name looked up in `PATH` and the sbin folders).
    ///
    /// - Parameters:
    ///   - environment: variables set on top of the inherited environment (or instead
    ///     of it, when `inheritEnvironment` is false).
    ///   - outputDirectory: where the output files go; a fresh ``ScratchDirectory`` if nil.
    public static func start(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        inheritEnvironment: Bool = true,
        currentDirectory: URL? = nil,
        outputDirectory: URL? = nil
    ) throws -> ChildProcess {
        let executableURL = try locate(executable)
        let folder = try outputDirectory ?? ScratchDirectory.make("process")
        let label = executableURL.lastPathComponent
        let stdoutFile = folder.appending(path: "\(label).stdout.log")
        let stderrFile = folder.appending(path: "\(label).stderr.log")

        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        var variables = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        variables.merge(environment) { _, new in new }
        process.environment = variables
        if let currentDirectory {
            process.currentDirectoryURL = currentDirectory
        }
        let command = [executableURL.path] + arguments
        do {
            let stdout = try truncatedFile(stdoutFile)
            let stderr = try truncatedFile(stderrFile)
            defer {
                try? stdout.close()
                try? stderr.close()
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try runWithSignalsUnblocked(process)
        } catch {
            throw TestSupportError("cannot start `\(describe(command))`: \(error)")
        }
        ScratchDirectory.recordChild(pid: process.processIdentifier)
        return ChildProcess(
            process: process, command: command, standardOutputFile: stdoutFile, standardErrorFile: stderrFile)
    }

    /// True until the process has exited and been reaped.
    public var isRunning: Bool { process.isRunning }

    /// How the process ended, or nil while it runs.
    public var termination: Termination? {
        guard !process.isRunning else { return nil }
        return switch process.terminationReason {
        case .exit: .exited(process.terminationStatus)
        case .uncaughtSignal: .signalled(process.terminationStatus)
        @unknown default: .exited(process.terminationStatus)
        }
    }

    /// Everything the process wrote to stdout so far.
    public var standardOutput: String { output(.standardOutput) }

    /// Everything the process wrote to stderr so far.
    public var standardError: String { output(.standardError) }

    /// Captured output so far; `.any` is stdout followed by stderr.
    public func output(_ which: Output) -> String {
        switch which {
        case .standardOutput: Self.read(standardOutputFile)
        case .standardError: Self.read(standardErrorFile)
        case .any: Self.read(standardOutputFile) + Self.read(standardErrorFile)
        }
    }

    /// Captured output so far, split into lines (without the line breaks).
    /// `.any` gives stdout's lines, then stderr's.
    public func lines(_ which: Output = .any) -> [String] {
        guard which != .any else { return lines(.standardOutput) + lines(.standardError) }
        var lines = output(which).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" {
            lines.removeLast()
        }
        return lines
    }

    /// The last lines of stdout and of stderr, labelled, for error messages.
    public func outputTail(lines: Int = 20) -> String {
        func tail(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }
        let stdout = standardOutput
        let stderr = standardError
        var parts: [String] = []
        if !stdout.isEmpty { parts.append("stdout:\n" + tail(stdout)) }
        if !stderr.isEmpty { parts.append("stderr:\n" + tail(stderr)) }
        return parts.isEmpty ? "(no output)" : parts.joined(separator: "\n")
    }

    /// Waits until the output contains `text`, and returns the first line containing it.
    /// Throws if the process exits first or `timeout` passes; the error quotes the output.
    @discardableResult
    public func waitUntilOutput(
        contains text: String,
        in which: Output = .any,
        timeout: Duration = .seconds(10)
    ) async throws -> String {
        var exited: Termination?
        let line = try await pollUntil(timeout: timeout, every: .milliseconds(20)) { () -> String? in
            let ended = termination  // read before the output: the output is final after exit
            let captured = output(which)
            if captured.contains(text) {
                return captured.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? text
            }
            if let ended {
                exited = ended
                return ""
            }
            return nil
        }
        if let exited {
            throw TestSupportError(
                "`\(Self.describe(command))` ended (\(exited)) without printing \"\(text)\"\n\(outputTail())")
        }
        guard let line else {
            throw TestSupportError(
                "`\(Self.describe(command))` did not print \"\(text)\" within \(timeout)\n\(outputTail())")
        }
        return line
    }

    /// Waits for the process to exit. Throws if it still runs after `timeout` (and leaves it running).
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Termination {
        guard let ended = try await pollUntil(timeout: timeout, { termination }) else {
            throw TestSupportError("`\(Self.describe(command))` still runs after \(timeout)\n\(outputTail())")
        }
        return ended
    }

    /// Sends `number` (e.g. SIGTERM, SIGINT, SIGHUP) to the process only — not its group.
    public func signal(_ number: Int32) {
        if process.isRunning {
            sendSignal(processIdentifier, number)
        }
    }

    /// SIGTERM, then waits up to `timeout` for a clean exit; SIGKILL if it does not come.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(5)) async throws -> Termination {
        signal(SIGTERM)
        if let ended = try await pollUntil(timeout: timeout, { termination }) {
            return ended
        }
        return try await kill()
    }

    /// SIGKILL to the process and its group (no clean-up runs: a crash), then waits for it.
    @discardableResult
    public func kill() async throws -> Termination {
        signalAll(SIGKILL)
        return try await waitForExit(timeout: .seconds(10))
    }

    private func signalAll(_ number: Int32) {
        // Only while the leader is unreaped is its pid surely still our group's id.
        if ownsProcessGroup && process.isRunning {
            sendSignal(-processIdentifier, number)
        }
        sendSignal(processIdentifier, number)
    }
}

/// Starts `process` with no signal blocked in the child.
///
/// A child inherits the signal mask of the thread that spawns it, and Foundation's
/// `Process` does not reset it: started from a Dispatch worker thread (any async test),
/// the child would have SIGTERM, SIGINT and SIGHUP blocked and ignore ``ChildProcess/terminate(timeout:)``.
/// `Process.run()` spawns on the calling thread, so that thread's mask is cleared for
/// the call.
private func runWithSignalsUnblocked(_ process: Process) throws {
    var none = sigset_t()
    var saved = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try process.run()
}
