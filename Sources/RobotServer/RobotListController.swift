import Hummingbird
import StrictJSON

/// `GET /robots`: the robots the bearer token has any role on, and the default one —
/// `{"robots":["sts-pi"],"defaultRobot":"sts-pi"}`. The drive page fills its robot list from it, and learns
/// whether its token is good (401 otherwise).
struct RobotListController: Sendable {
    let robots: [String]
    let defaultRobot: String
    let authenticator: Authenticator

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/robots") { request, _ -> Response in
            let principal: Principal
            do {
                principal = try await authenticator.authenticate(request)
            } catch let failure as AuthFailure {
                throw failure.apiError
            }
            let allowed = robots.filter { principal.permissions.mentions($0) }
            let body: JSONValue = [
                "robots": .array(allowed.map(JSONValue.string)), "defaultRobot": .string(defaultRobot),
            ]
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body.serialized() + [UInt8(ascii: "\n")])))
        }
        for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
            router.on("/robots", method: method) { request, _ -> Response in
                throw APIError.methodNotAllowed(request, allow: "GET")
            }
        }
    }
}
