public import Hummingbird

/// CORS for a browser front end: answers preflights and labels responses for the configured origins only.
///
/// Hummingbird's `CORSMiddleware` takes its origins as variadic arguments, not a configured list; this one
/// also answers a preflight for a route that would refuse the method (the browser then gets the refusal
/// from the real request, with its JSON body readable).
public struct CORSPolicy<Context: RequestContext>: RouterMiddleware {
    let allowAll: Bool
    let origins: Set<String>
    let maxAge: String

    public init(_ config: ServerConfig.CORS) {
        allowAll = config.allowedOrigins.contains("*")
        origins = Set(config.allowedOrigins)
        maxAge = String(config.maxAgeSeconds)
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, or nil if it is not allowed.
    func allowedOrigin(_ origin: String?) -> String? {
        guard let origin else { return nil }
        if allowAll { return "*" }
        return origins.contains(origin) ? origin : nil
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !origins.isEmpty, let origin = request.headers[.origin] else {
            return try await next(request, context)
        }
        let allowed = allowedOrigin(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [.vary: "Origin"]
            if let allowed {
                headers[.accessControlAllowOrigin] = allowed
                headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
                headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
                headers[.accessControlMaxAge] = maxAge
            }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if let allowed {
            response.headers[.accessControlAllowOrigin] = allowed
            response.headers[.vary] = "Origin"
        }
        return response
    }
}
