/// One entry of `GetIceServerConfig`'s `IceServerList`: a TURN server's URIs and the short-lived credentials for
/// them.
///
/// `description` leaves out the password.
public struct KVSICEServer: Sendable, Hashable, CustomStringConvertible {
    /// `turn:…?transport=udp`, `turns:…:443?transport=tcp`, …
    public var uris: [String]
    public var username: String
    public var password: String
    /// How long the credentials are good for, in seconds (`Ttl`; AWS gives 300).
    public var ttl: Int

    public init(uris: [String], username: String, password: String, ttl: Int) {
        self.uris = uris
        self.username = username
        self.password = password
        self.ttl = ttl
    }

    public var description: String {
        "KVSICEServer(uris: \(uris), username: \(username), password: <redacted>, ttl: \(ttl))"
    }
}
