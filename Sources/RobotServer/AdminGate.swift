import Hummingbird

/// Lets a request under a path prefix (`/relay`) through only with the `admin` role on every robot.
///
/// The relay is not about one robot, and its routes show rules, account ids and queue contents, so `admin` must
/// be granted on `"robots": ["*"]` (a per-robot admin is for that robot only). It is a router middleware, added
/// before any route, so every route under the prefix — whoever adds it — is gated, and an unknown path under
/// it is a 401/403 to those who may not look, not a 404 telling them what exists.
struct AdminGate<Context: RequestContext>: RouterMiddleware {
    let prefix: String
    let authenticator: Authenticator

    init(prefix: String, authenticator: Authenticator) {
        self.prefix = prefix
        self.authenticator = authenticator
    }

    /// Whether `path` is the prefix itself or below it (`/relay`, `/relay/rules`, not `/relayed`).
    func covers(_ path: String) -> Bool {
        path == prefix || path.hasPrefix(prefix + "/")
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if covers(request.uri.path) {
            do {
                let principal = try await authenticator.authenticate(request)
                try authenticator.authorize(principal, .admin, everywhereFor: prefix)
            } catch {
                throw error.apiError
            }
        }
        return try await next(request, context)
    }
}
