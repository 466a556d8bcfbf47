public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ChildProcess {
    /// What a process that ran to completion did.
    public struct Result: Sendable {
        public let termination: Termination
        public let standardOutput: String
        public let standardError: String
    }

    /// Runs a process to completion, blocking the calling thread (for short commands
    /// in synchronous set-up code, such as `scripts/pki.sh`). Kills it after `timeout`.
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        currentDirectory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) throws -> Result {
        let child = try start(
            executable, arguments, environment: environment, currentDirectory: currentDirectory)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while child.isRunning {
            if clock.now >= deadline {
                sendSignal(-child.processIdentifier, SIGKILL)
                sendSignal(child.processIdentifier, SIGKILL)
                throw TestSupportError(
                    "`\(describe(child.command))` did not finish within \(timeout)\n\(child.outputTail())")
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return Result(
            termination: child.termination ?? .exited(-1),
            standardOutput: child.standardOutput,
            standardError: child.standardError)
    }

    /// Runs a process to completion without blocking a thread of Swift's cooperative pool: from async
    /// tests, prefer this to the blocking `run`, which would starve other tests' tasks while it waits.
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        currentDirectory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let child = try start(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        let termination: Termination
        do {
            termination = try await child.waitForExit(timeout: timeout)
        } catch {
            _ = try? await child.kill()
            throw error
        }
        return Result(
            termination: termination, standardOutput: child.standardOutput, standardError: child.standardError)
    }

    /// The path of an executable: `name` itself if it contains a slash, else the first
    /// match in `PATH` and then in the sbin folders (mosquitto is in /usr/sbin, which is
    /// not in an ordinary user's `PATH`).
    public static func locate(_ name: String) throws -> URL {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw TestSupportError("'\(name)' is not an executable file")
            }
            return URL(filePath: name)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let folders = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin"]
        for folder in folders where !folder.isEmpty {
            let candidate = URL(filePath: folder, directoryHint: .isDirectory).appending(path: name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw TestSupportError(
            "'\(name)' not found in PATH (\(path)) or the sbin folders — "
                + "run ./scripts/test.sh, which installs what the tests need")
    }

    /// A command as a person would type it, for messages.
    static func describe(_ command: [String]) -> String {
        command.map { argument in
            let plain =
                !argument.isEmpty && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    static func read(_ file: URL) -> String {
        guard let data = try? Data(contentsOf: file) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func truncatedFile(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TestSupportError("cannot create '\(url.path)'")
        }
        return try FileHandle(forWritingTo: url)
    }
}

/// `kill(2)`, named apart from ``ChildProcess/kill()``.
func sendSignal(_ pid: Int32, _ number: Int32) {
    _ = kill(pid, number)
}
