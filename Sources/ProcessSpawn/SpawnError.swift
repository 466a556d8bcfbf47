public import SystemPackage

/// A child process that could not be started: which program, which step, and the system's reason.
public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The program that was to run (as given, before any `PATH` search).
    public var executable: String
    /// What went wrong, e.g. `execve: No such file or directory`.
    public var reason: String
    /// The `errno` value, when the failure was a system call's.
    public var errno: Errno?

    public init(executable: String, reason: String, errno: Errno? = nil) {
        self.executable = executable
        self.reason = reason
        self.errno = errno
    }

    public var description: String { "cannot start '\(executable)': \(reason)" }
}
