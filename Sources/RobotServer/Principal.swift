/// Who is making a request, once their bearer token checked out, and which robots they may drive.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A static token from the config.
        case token
        /// A JWT from the identity provider.
        case jwt
        /// Authentication is disabled (local demo).
        case anonymous
    }

    public var kind: Kind
    /// The token's configured name, the JWT's `sub`, or `anonymous`; for logs, never a secret.
    public var name: String
    public var robots: RobotSet

    public init(kind: Kind, name: String, robots: RobotSet) {
        self.kind = kind
        self.name = name
        self.robots = robots
    }
}
