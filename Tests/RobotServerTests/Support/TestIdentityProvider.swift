import Foundation
import JWTKit

/// A stand-in for an identity provider: ES256 signing keys made in the test, their JWKS, and access tokens
/// with whatever claims a test needs (valid, expired, for another audience, signed by a stranger…).
struct TestIdentityProvider: Sendable {
    static let issuer = "https://id.example.test/"
    static let audience = "robot-api"

    struct Key: Sendable {
        let kid: String
        let privateKey: ES256PrivateKey
    }

    /// The claims a token carries; nil members are left out.
    struct Claims: JWTPayload {
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        var sub: SubjectClaim?
        var exp: ExpirationClaim?
        var nbf: NotBeforeClaim?
        var scope: String?
        var scp: [String]?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func key(_ kid: String) -> Key { Key(kid: kid, privateKey: ES256PrivateKey()) }

    /// `{"keys":[…]}` with the public half of each key.
    static func jwks(_ keys: [Key]) -> String {
        let entries = keys.map { key -> String in
            let parameters = key.privateKey.publicKey.parameters!
            return
                #"{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\#(key.kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
        }
        return #"{"keys":[\#(entries.joined(separator: ","))]}"#
    }

    /// Valid claims for `scope`, living for an hour from now.
    static func claims(scope: String? = "robot:drive", subject: String = "alice") -> Claims {
        Claims(
            iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: [audience]), sub: SubjectClaim(value: subject),
            exp: ExpirationClaim(value: Date().addingTimeInterval(3600)),
            nbf: NotBeforeClaim(value: Date().addingTimeInterval(-60)), scope: scope)
    }

    /// A compact JWS of `claims`, signed with `key` and naming `kid` (default: the key's own).
    static func token(_ claims: Claims, key: Key, kid: String? = nil) async throws -> String {
        let collection = JWTKeyCollection()
        await collection.add(ecdsa: key.privateKey, kid: JWKIdentifier(string: kid ?? key.kid))
        return try await collection.sign(claims, kid: JWKIdentifier(string: kid ?? key.kid))
    }

    /// The `auth` section for a JWKS file or URL, plus the harness's static `fleet` token (which the
    /// harness's control commands use).
    static func auth(jwks: String, scopes: String? = nil, extra: String = "") -> String {
        var members = [jwks, #""issuer":"\#(issuer)""#, #""audience":"\#(audience)""#]
        if let scopes { members.append(#""scopes":\#(scopes)"#) }
        if !extra.isEmpty { members.append(extra) }
        let fleet = #"{"sha256":"\#(ServerHarness.sha256(ServerHarness.fleetToken))","robots":["*"],"name":"fleet"}"#
        return #"{"tokens":[\#(fleet)],"jwt":{\#(members.joined(separator: ","))}}"#
    }
}
