import Hummingbird

extension Authenticator {
    /// Like ``authenticate(_:)``, but also accepts the token as the `token` query parameter when there is no
    /// `Authorization` header: a browser cannot set headers on a WebSocket. Only the signaling route uses it
    /// (a query string can end up in proxies' logs; keep such tokens to viewers of one robot where that matters).
    func authenticate(_ request: Request, orQueryToken: Bool) async throws(AuthFailure) -> Principal {
        if disabled || !orQueryToken || request.headers[.authorization] != nil {
            return try await authenticate(request)
        }
        guard let token = request.uri.queryParameters["token"] else {
            throw AuthFailure.missingToken(
                "no token: send Authorization: Bearer <token>, or ?token=<token> from a browser")
        }
        guard !token.isEmpty else {
            throw AuthFailure.missingToken("the token query parameter is empty")
        }
        return try await principal(forToken: token)
    }
}
