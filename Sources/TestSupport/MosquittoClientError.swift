/// A `mosquitto_pub` or `mosquitto_sub` that failed: refused by the broker (no or a
/// foreign certificate), could not connect, or timed out.
public struct MosquittoClientError: Error, CustomStringConvertible, Sendable {
    /// The command as typed in a shell.
    public let command: String
    /// How it ended; nil if it was killed because it took too long.
    public let termination: ChildProcess.Termination?
    /// What it printed (mosquitto's clients print their errors on stderr, e.g.
    /// "Error: Protocol error" when the broker refused the client's certificate).
    public let output: String

    public var description: String {
        let how = termination.map { "ended with \($0)" } ?? "timed out"
        return "`\(command)` \(how)\n\(output)"
    }
}
