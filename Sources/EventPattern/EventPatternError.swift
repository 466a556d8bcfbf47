/// Why a pattern was rejected, and where in it.
///
/// `path` is the dotted key path inside the pattern (`detail.amount`, `$or[1].detail.state`), empty for the
/// pattern as a whole; `description` reads `detail.amount: numeric range: ">" needs a number, got string "5"`.
public struct EventPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path inside the pattern; `""` for the root.
    public var path: String
    /// What is wrong and how to write it instead.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
