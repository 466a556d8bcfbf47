/// A bad option or setting, with the option at fault and what would be accepted.
public struct ProducerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
