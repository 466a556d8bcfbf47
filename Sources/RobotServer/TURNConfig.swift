/// `video.turn`: the TURN server every peer gets short-lived credentials for (``TURNCredentialMinter``), and the
/// secret it shares with robot-server (coturn's `static-auth-secret`), read from ``secretFile`` at start.
///
/// Apart from the minter so that configuration loading needs no cryptography (the config fuzz target compiles it
/// alone). The secret is redacted from ``description`` and every other view (``TURNSecret``).
public struct TURNConfig: Sendable, Equatable, CustomStringConvertible {
    /// The TURN server's URLs (`turn:host:port?transport=udp`, …), as every minted ``ICEServer`` lists them.
    public var urls: [String]
    /// How long minted credentials are valid.
    public var ttlSeconds: Int
    /// Where the secret came from (`video.turn.secretFile`), for messages.
    public var secretFile: String
    public var secret: TURNSecret

    /// The allowed `ttlSeconds`: at least a minute (a slow ICE start), at most a week.
    public static let ttlRange = 60...604_800
    public static let defaultTTLSeconds = 86_400

    public init(urls: [String], secret: TURNSecret, secretFile: String = "", ttlSeconds: Int = defaultTTLSeconds) {
        self.urls = urls
        self.secret = secret
        self.secretFile = secretFile
        self.ttlSeconds = ttlSeconds
    }

    /// The URLs and the lifetime; the secret's file, never the secret.
    public var description: String {
        "TURN \(urls.joined(separator: " ")) (credentials for \(ttlSeconds) s, secret from \(secretFile))"
    }
}
