public import Basics
import Crypto
import Foundation
public import SignalingProtocol

/// Short-lived TURN credentials in the TURN REST API convention that coturn implements with `use-auth-secret` and
/// `static-auth-secret` (draft-uberti-behave-turn-rest): the user name is `<expiry unix time>:<peer id>`, the
/// credential base64(HMAC-SHA1(secret, user name)). coturn recomputes the credential from the user name and its copy
/// of the secret, and refuses it once the expiry has passed, so nothing is stored and nothing has to be revoked.
///
/// Pure: the time is passed in. robot-server mints one set for every signaling connection's `welcome` and, for the
/// producer, one for each viewer it is told about (``SignalingState``). `docs/SERVER.md` says how to configure both
/// ends.
public struct TURNCredentialMinter: Sendable, Equatable, CustomStringConvertible {
    public let config: TURNConfig

    public init(_ config: TURNConfig) {
        self.config = config
    }

    /// A minter for `urls` and `secret` (tests, and tools that mint without a config file).
    public init(urls: [String], secret: TURNSecret, ttlSeconds: Int = TURNConfig.defaultTTLSeconds) {
        self.init(TURNConfig(urls: urls, secret: secret, ttlSeconds: ttlSeconds))
    }

    /// Credentials for `peer` (a signaling peer id), valid from `now` for `ttlSeconds`.
    public func credentials(for peer: String, now: Timestamp) -> TURNCredentials {
        let expires = now.secondsSinceEpoch + Int64(config.ttlSeconds)
        let username = "\(expires):\(peer)"
        return TURNCredentials(
            username: username, credential: Self.credential(key: config.secret.bytes, username: Array(username.utf8)),
            expires: expires)
    }

    /// The `iceServers` entry for `peer`: the configured URLs with credentials minted at `now`.
    public func iceServer(for peer: String, now: Timestamp) -> ICEServer {
        let minted = credentials(for: peer, now: now)
        return ICEServer(urls: config.urls, username: minted.username, credential: minted.credential)
    }

    /// base64(HMAC-SHA1(key, username)): what coturn computes for a user name under `use-auth-secret`.
    static func credential(key: [UInt8], username: [UInt8]) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: username, using: SymmetricKey(data: key))
        return Data(code).base64EncodedString()
    }

    public var description: String { config.description }
}

/// One peer's minted TURN user name and credential.
public struct TURNCredentials: Sendable, Equatable {
    /// `<expiry unix time>:<peer id>`.
    public let username: String
    /// base64(HMAC-SHA1(secret, username)).
    public let credential: String
    /// When coturn stops accepting them (seconds since 1970).
    public let expires: Int64
}
