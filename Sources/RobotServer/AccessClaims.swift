import FoundationEssentials
import JWTKit

/// The claims robot-server reads from an identity provider's access token.
///
/// Signature checks are JWTKit's; the claim checks need the configuration (issuer, audience, leeway), so
/// ``JWTAuthenticator`` makes them after decoding, each with its own message. Scopes come as the OAuth 2
/// `scope` string (space-separated) or as `scp` (a list or a string, as Okta and Azure AD write it).
struct AccessClaims: JWTPayload {
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var sub: SubjectClaim?
    var scope: String?
    var scp: ScopeList?

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Every scope the token carries.
    var scopes: [String] {
        let fromScope = (scope ?? "").split(separator: " ").map(String.init)
        return fromScope + (scp?.values ?? [])
    }
}

/// A scope claim written as a list of strings or as one space-separated string.
struct ScopeList: Codable, Sendable {
    var values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([String].self) {
            values = list
        } else {
            values = try container.decode(String.self).split(separator: " ").map(String.init)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}
