/// A failure in test support: which process or file, what went wrong, and the
/// output that explains it (the tail of a log, a process's stderr).
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    /// One or more lines meant for a person reading a failed test.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
