/// Who is making a request, once their bearer token checked out, and what they may do with which robot.
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
    /// The token's configured name, the JWT's `sub`, or `anonymous`: a stable identity for logs and per-client
    /// limits, never a secret.
    public var name: String
    public var permissions: Permissions

    public init(kind: Kind, name: String, permissions: Permissions) {
        self.kind = kind
        self.name = name
        self.permissions = permissions
    }

    /// A principal with the default roles (drive and view) on `robots`.
    public init(kind: Kind, name: String, robots: RobotSet) {
        self.init(kind: kind, name: name, permissions: Permissions([.init(robots: robots)]))
    }

    /// `token "home"`, `JWT "alice"`: how refusals name the credential.
    var label: String {
        switch kind {
        case .token: "token \"\(name)\""
        case .jwt: "JWT \"\(name)\""
        case .anonymous: "anonymous"
        }
    }
}
