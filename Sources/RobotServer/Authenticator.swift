import Hummingbird

/// Turns a request's `Authorization: Bearer …` header into a ``Principal``: a static token first (a hash
/// and a constant-time compare, cheap), then a JWT if one is configured and the token looks like one.
struct Authenticator: Sendable {
    let disabled: Bool
    let tokens: StaticTokens
    let jwt: JWTAuthenticator?

    /// Who a request is when authentication is disabled (a local demo): every role on every robot.
    static let anonymous = Principal(
        kind: .anonymous, name: "anonymous", permissions: Permissions([.init(robots: .all, roles: Set(Role.allCases))]))

    func authenticate(_ request: Request) async throws(AuthFailure) -> Principal {
        if disabled { return Self.anonymous }
        guard let header = request.headers[.authorization] else {
            throw AuthFailure.missingToken("no bearer token: send Authorization: Bearer <token>")
        }
        let scheme = header.prefix(7)
        guard scheme.count == 7, scheme.lowercased() == "bearer " else {
            throw AuthFailure.missingToken("the Authorization header must be \"Bearer <token>\"")
        }
        let token = header.dropFirst(7).drop { $0 == " " }
        guard !token.isEmpty else {
            throw AuthFailure.missingToken("the bearer token is empty: send Authorization: Bearer <token>")
        }
        return try await principal(forToken: token)
    }

    /// The principal of a presented token (a static token, else a JWT), or 401.
    func principal(forToken token: Substring) async throws(AuthFailure) -> Principal {
        if let principal = tokens.principal(for: token) {
            return principal
        }
        if let jwt, JWTHeaderFields.looksLikeJWT(token) {
            return try await jwt.principal(for: token)
        }
        throw AuthFailure.invalidToken("the bearer token is not valid")
    }

    /// Throws 403, naming the missing role, unless `principal` has `role` on `thing`.
    func authorize(_ principal: Principal, _ role: Role, robot thing: String) throws(AuthFailure) {
        guard principal.permissions.permits(role, robot: thing) else {
            throw AuthFailure.forbidden(
                "\(principal.label) lacks the \"\(role.rawValue)\" role for robot \"\(thing)\" "
                    + "(it has: \(principal.permissions))")
        }
    }

    /// Throws 403, naming the missing role, unless `principal` has `role` on every robot (`"robots": ["*"]`):
    /// for what concerns no single robot, such as the relay.
    func authorize(_ principal: Principal, _ role: Role, everywhereFor what: String) throws(AuthFailure) {
        guard principal.permissions.permitsEverywhere(role) else {
            throw AuthFailure.forbidden(
                "\(principal.label) lacks the \"\(role.rawValue)\" role for every robot (\"robots\": [\"*\"]), "
                    + "which \(what) needs (it has: \(principal.permissions))")
        }
    }
}
