/// A signaling frame that does not follow the contract.
public struct SignalingMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = "bad signaling frame: " + description
    }
}
