/// Why a payload on `<thing>/action` is not a valid drive command.
///
/// `reason` is one short line naming the field and the offending value, published as-is in `rejected`
/// telemetry and in REST errors, e.g. `speed must be between 0 and 1, got 1.5`.
public struct CommandRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line naming the field and the offending value.
    public var reason: String
    /// The command's `id`, when the payload was an object with a valid `id`, so a client can match the rejection.
    public var id: String?

    public init(reason: String, id: String? = nil) {
        self.reason = reason
        self.id = id
    }

    public var description: String {
        reason
    }
}
