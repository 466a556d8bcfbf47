/// Why a request may not go on: no or bad credentials (401), credentials that lack a role for the robot (403),
/// or an identity provider whose keys cannot be had (503).
enum AuthFailure: Error, Sendable, Equatable {
    /// No `Authorization: Bearer …` header.
    case missingToken(String)
    /// A token that is not valid: unknown, expired, wrong audience, bad signature…
    case invalidToken(String)
    /// Valid credentials without the role this request needs (the detail names it).
    case forbidden(String)
    /// The JWKS could not be had at all, so no JWT can be checked.
    case keysUnavailable(String)

    var apiError: APIError {
        switch self {
        case .missingToken(let detail): APIError.unauthorized(detail, invalidToken: false)
        case .invalidToken(let detail): APIError.unauthorized(detail, invalidToken: true)
        case .forbidden(let detail): APIError(.forbidden, "forbidden", detail)
        case .keysUnavailable(let detail): APIError(.serviceUnavailable, "authentication unavailable", detail)
        }
    }
}
