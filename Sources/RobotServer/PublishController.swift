import Hummingbird
import DriveProtocol
import Logging
import MQTT
import StrictJSON

/// `POST /publish` (the original API: the default robot) and `POST /robots/{thing}/publish`.
///
/// In order: authenticate (401), find the robot (404), authorize the `drive` role (403), check the body's type (415)
/// and size (413), validate it with robotd's own parser (400), check the robot's control lease (409 while another
/// principal drives; stops and emergency stops always pass), publish it with QoS 1 and wait for the broker's
/// PUBACK (503 if the broker is away or does not acknowledge in time), then answer 202 with the topic and
/// the command's `id` — the client's, or one the server adds so telemetry can be matched.
struct PublishController: Sendable {
    let robots: Set<String>
    let defaultRobot: String
    let authenticator: Authenticator
    let publisher: any CommandPublishing
    let metrics: ServerMetrics
    let leases: ControlLeases

    func addRoutes(to router: Router<some RequestContext>) {
        router.post("/publish") { request, context in
            try await publish(request, to: defaultRobot, logger: context.logger)
        }
        router.post("/robots/{thing}/publish") { request, context in
            let thing = context.parameters.get("thing") ?? ""
            return try await publish(request, to: thing, logger: context.logger)
        }
        for path in ["/publish", "/robots/{thing}/publish"] {
            for method in [HTTPRequest.Method.get, .put, .patch, .delete, .head] {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(request, allow: "POST")
                }
            }
        }
    }

    func publish(_ request: Request, to thing: String, logger: Logger) async throws -> Response {
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(request)
            guard robots.contains(thing) else {
                throw APIError(.notFound, "unknown robot", "no robot \"\(thing)\" is configured on this server")
            }
            try authenticator.authorize(principal, .drive, robot: thing)
        } catch let failure as AuthFailure {
            throw failure.apiError
        }
        let body = try await CommandBody.read(request)
        let command: CommandBody.Validated
        do {
            command = try body.validate()
        } catch {
            metrics.rejected(thing)
            throw error
        }
        try await leases[thing]?.command(command.intent, from: principal)
        let topic = ServerConfig.actionTopic(thing)
        let started = ContinuousClock.now
        do {
            try await publisher.publish(topic: topic, payload: command.payload)
        } catch {
            let unavailable = error.code == .notConnected || error.code == .shutDown
            metrics.publishFailed(thing, brokerUnavailable: unavailable)
            // An outage is logged once by the publisher; a missing PUBACK is news every time.
            logger.log(
                level: unavailable ? .debug : .warning, "drive command not published: \(error)",
                metadata: ["robot.thing": "\(thing)"])
            throw APIError(
                .serviceUnavailable, "broker unavailable",
                unavailable ? error.message : "\(error.message); the command may or may not reach the robot")
        }
        metrics.published(thing, after: .now - started)
        logger.debug(
            "published a drive command",
            metadata: [
                "robot.thing": "\(thing)", "robot.command.id": "\(command.id)", "auth.principal": "\(principal.name)",
            ])
        let answer: JSONValue = .object([("topic", .string(topic)), ("id", .string(command.id))])
        var bytes = answer.serialized()
        bytes.append(UInt8(ascii: "\n"))
        return Response(
            status: .accepted, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
