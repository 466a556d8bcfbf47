/// Why the network lab cannot run on this machine: not root, a tool missing, or the kernel refusing network
/// namespaces (an unprivileged container). The NAT tests print it when they skip.
public struct NetworkLabUnavailable: Error, CustomStringConvertible, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "the NAT lab cannot run here: \(reason)" }
}
