import FoundationEssentials
import JWTKit

/// Checks a JWT from the identity provider: signature against its JWKS (by `kid`), then `exp` and `nbf`
/// (with leeway), `iss`, `aud`, and maps its scopes to the robots and roles they grant.
///
/// A token that fails any check is a 401 naming the check; a valid token whose scopes grant nothing is
/// a 403 (RFC 6750's insufficient scope).
struct JWTAuthenticator: Sendable {
    let config: AuthConfig.JWT
    let keys: SigningKeys

    func principal(for token: Substring, now: Date = Date()) async throws(AuthFailure) -> Principal {
        let header = try JWTHeaderFields(token: token)
        guard let keyID = header.keyID else {
            throw AuthFailure.invalidToken("the JWT header has no kid, so no key of the JWKS can be chosen")
        }
        let collection = try await keys.keys(for: keyID)
        let claims: AccessClaims
        do {
            claims = try await collection.verify(String(token), as: AccessClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw AuthFailure.invalidToken("the JWT's signature does not verify with key \"\(keyID)\"")
        } catch {
            throw AuthFailure.invalidToken("invalid JWT: \(error)")
        }
        try check(claims, now: now)
        let permissions = Permissions(claims.scopes.compactMap { config.scopes[$0] })
        guard !permissions.isEmpty else {
            let known = config.scopes.keys.sorted().joined(separator: ", ")
            throw AuthFailure.forbidden(
                "the JWT's scopes (\(claims.scopes.joined(separator: " "))) grant no robot; "
                    + "any of these would: \(known)"
            )
        }
        return Principal(kind: .jwt, name: claims.sub?.value ?? "jwt", permissions: permissions)
    }

    private func check(_ claims: AccessClaims, now: Date) throws(AuthFailure) {
        let leeway = TimeInterval(config.leewaySeconds)
        guard let exp = claims.exp?.value else { throw AuthFailure.invalidToken("the JWT has no exp claim") }
        guard now < exp.addingTimeInterval(leeway) else {
            throw AuthFailure.invalidToken("the JWT expired at \(exp.ISO8601Format())")
        }
        if let nbf = claims.nbf?.value, now < nbf.addingTimeInterval(-leeway) {
            throw AuthFailure.invalidToken("the JWT is not valid before \(nbf.ISO8601Format())")
        }
        guard let issuer = claims.iss?.value, issuer == config.issuer else {
            throw AuthFailure.invalidToken(
                "the JWT's issuer \(quoted(claims.iss?.value)) is not the configured issuer \"\(config.issuer)\"")
        }
        guard let audience = claims.aud?.value, audience.contains(config.audience) else {
            let got = claims.aud?.value.map { "\"\($0)\"" }.joined(separator: ", ") ?? "none"
            throw AuthFailure.invalidToken("the JWT's audience (\(got)) does not include \"\(config.audience)\"")
        }
    }

    private func quoted(_ text: String?) -> String {
        text.map { "\"\($0)\"" } ?? "(none)"
    }
}
