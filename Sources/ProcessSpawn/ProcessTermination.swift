import Glibc

/// How a child process ended.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal ended it (a crash: SIGSEGV, SIGABRT; or SIGTERM, SIGKILL).
    case signalled(Int32)

    /// `exit status 3`, `signal 11 (Segmentation fault)`.
    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signalled(let number): "signal \(number) (\(Self.signalName(number)))"
        }
    }

    /// A clean `exit(0)`.
    public var isSuccess: Bool { self == .exited(0) }

    static func signalName(_ number: Int32) -> String {
        guard let text = strsignal(number) else { return "unknown signal" }
        return String(cString: text)
    }
}
