import Hummingbird
import SignalingProtocol
import StrictJSON

/// `GET` and `POST /robots/{thing}/control`: who drives a robot, and asking for, handing over, declining, releasing and
/// taking over its control lease (`docs/SERVER.md`, "One driver at a time").
///
/// Both authenticate (401) and find the robot (404). `GET` needs the `view` or `drive` role (403) and answers the
/// control status. `POST` needs `drive` (403), a JSON body (415, 413, 400) `{"action": …}` naming one of
/// ``ControlLeases/Robot/Action`` (400), and for `takeover` the `admin` role (403); it answers the status after the
/// action, 200 — or 202 when the request waits for the holder — or 409 when the lease refuses it.
struct ControlController: Sendable {
    let robots: Set<String>
    let authenticator: Authenticator
    let leases: ControlLeases

    static let path: RouterPath = "/robots/{thing}/control"

    func addRoutes(to router: Router<some RequestContext>) {
        router.get(Self.path) { request, context -> Response in
            let (principal, robot) = try await admit(request, thing: context.parameters.get("thing") ?? "")
            guard
                principal.permissions.permits(.view, robot: robot.thing)
                    || principal.permissions.permits(.drive, robot: robot.thing)
            else {
                throw AuthFailure.forbidden(
                    "\(principal.label) lacks the \"view\" or \"drive\" role for robot \"\(robot.thing)\" "
                        + "(it has: \(principal.permissions))"
                ).apiError
            }
            return Self.answer(.ok, robot.current(), for: principal, on: robot.thing)
        }
        router.post(Self.path) { request, context -> Response in
            let (principal, robot) = try await admit(request, thing: context.parameters.get("thing") ?? "")
            try authorize(principal, .drive, robot.thing)
            let action = try Self.action(in: try await CommandBody.read(request, what: "a control action").json())
            if action == .takeover {
                try authorize(principal, .admin, robot.thing)
            }
            let (lease, change) = try await robot.perform(action, by: principal)
            return Self.answer(change == .requested ? .accepted : .ok, lease, for: principal, on: robot.thing)
        }
        for method in [HTTPRequest.Method.put, .patch, .delete, .head] {
            router.on(Self.path, method: method) { request, _ -> Response in
                throw APIError.methodNotAllowed(request, allow: "GET, POST")
            }
        }
    }

    /// Authenticates the request (401) and finds the robot (404).
    private func admit(_ request: Request, thing: String) async throws -> (Principal, ControlLeases.Robot) {
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(request)
        } catch {
            throw error.apiError
        }
        guard robots.contains(thing), let robot = leases[thing] else {
            throw APIError(.notFound, "unknown robot", "no robot \"\(thing)\" is configured on this server")
        }
        return (principal, robot)
    }

    private func authorize(_ principal: Principal, _ role: Role, _ thing: String) throws {
        do {
            try authenticator.authorize(principal, role, robot: thing)
        } catch {
            throw error.apiError
        }
    }

    /// The body's `action`, or 400 naming the allowed ones.
    static func action(in body: JSONValue) throws -> ControlLeases.Robot.Action {
        let allowed = ControlLeases.Robot.Action.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = body["action"]?.stringValue else {
            throw APIError(
                .badRequest, "invalid action",
                "expected {\"action\": …} with one of \(allowed); got \(body.summary())")
        }
        guard let action = ControlLeases.Robot.Action(rawValue: name) else {
            throw APIError(
                .badRequest, "invalid action", "unknown action \(JSONValue.quoted(name)); expected one of \(allowed)")
        }
        return action
    }

    /// The control status for `principal`: `{"robot":…,"holder":…,"request":…,"idleSeconds":…,"you":…}`.
    static func answer(
        _ status: HTTPResponse.Status, _ lease: ControlLease, for principal: Principal, on thing: String
    ) -> Response {
        let members = lease.status(for: ControlLease.Viewer(principal, on: thing)).members
        let body = JSONValue.object(JSONObject([("robot", .string(thing))] + members))
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body.serialized() + [UInt8(ascii: "\n")])))
    }
}
