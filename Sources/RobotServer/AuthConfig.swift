/// The `auth` section: who may do what with which robot (``Role``: drive, view, produce, admin).
///
/// Static bearer tokens are stored as SHA-256 digests only; JWTs from an identity provider are verified
/// against its JWKS and mapped to robots and roles by scope. `disabled` lets anyone do anything (local demo only).
public struct AuthConfig: Sendable {
    /// A static bearer token: the SHA-256 of the token, never the token itself.
    public struct StaticToken: Sendable, Equatable {
        /// The 32-byte SHA-256 digest of the token's UTF-8 bytes.
        public var sha256: [UInt8]
        public var robots: RobotSet
        /// What the token may do on `robots`; drive and view when the config lists no `roles`.
        public var roles: Set<Role> = Role.defaults
        /// A label for logs and metrics (`token[0]` when not configured).
        public var name: String
    }

    /// Where the identity provider's signing keys come from.
    public enum KeySource: Sendable, Equatable {
        /// A JWKS file, re-read when a token names an unknown key id.
        case file(String)
        /// A JWKS URL fetched over HTTPS, cached, and refetched on an unknown key id (rate-limited).
        case url(String)
    }

    /// JWT verification against an identity provider's JWKS.
    public struct JWT: Sendable, Equatable {
        public var keys: KeySource
        /// Required `iss`.
        public var issuer: String
        /// `aud` must contain this.
        public var audience: String
        /// Scope → the robots and roles it grants (a plain list of robots in the config grants drive and view).
        public var scopes: [String: Permissions.Grant]
        /// Tolerated clock difference for `exp` and `nbf`.
        public var leewaySeconds = 30
        /// A CA bundle (PEM) to verify the JWKS URL's server with, instead of the system's roots.
        public var caFile: String?
        /// How long fetched keys are used before they are fetched again.
        public var cacheSeconds = 3600
        /// The least time between two fetches caused by unknown key ids.
        public var minRefetchSeconds = 30
    }

    /// Anyone may drive every robot (logged as a warning at start). For a local demo only.
    public var disabled = false
    public var tokens: [StaticToken] = []
    public var jwt: JWT?
}
