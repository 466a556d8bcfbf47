import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SignalingProtocol
import Synchronization

/// `GET /robots/{thing}/signal`: the WebSocket that pairs a robot's video producer with its viewers
/// (`docs/SIGNALING.md`).
///
/// Before the upgrade, in order: authenticate (`Authorization: Bearer`, or `?token=` from a browser; 401), find
/// the robot (404), read `?role=producer|viewer` (400), authorize it — `produce` for a producer, `view` for a
/// viewer (403) — and check the viewer limit (503). A
/// refusal is the REST API's JSON error. Without an upgrade the same checks run and a good request gets
/// `426 Upgrade Required`, which lets a page check a token before it opens the socket. The principal's name and roles
/// on the robot go into the room with the socket: talking through the robot needs `drive` (``SignalingState/Speaker``).
struct SignalingController: Sendable {
    let robots: Set<String>
    let authenticator: Authenticator
    let hubs: SignalingHubs
    let maxViewers: Int

    static let path: RouterPath = "/robots/{thing}/signal"
    /// The largest frame (and message) a peer may send; larger closes its socket (the contract's limit).
    static let maxFrameBytes = SignalingLimits.maxFrameBytes

    struct Admission: Sendable {
        var thing: String
        var role: SignalingState.Role
        var principal: Principal
    }

    /// The plain-HTTP side, on the main router.
    func addRoutes(to router: Router<some RequestContext>) {
        router.get(Self.path) { request, context -> Response in
            let admission = try await admit(request, thing: context.parameters.get("thing") ?? "")
            throw APIError(
                .upgradeRequired, "upgrade required",
                "\(request.uri.path) is a WebSocket: connect with ws:// (or wss://); this token may connect to "
                    + "\(admission.thing) as a \(admission.role.rawValue)",
                headers: [.upgrade: "websocket"])
        }
        for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
            router.on(Self.path, method: method) { request, _ -> Response in
                throw APIError.methodNotAllowed(request, allow: "GET")
            }
        }
    }

    /// The WebSocket side, on the router that decides upgrades.
    func addWebSocketRoutes(to router: Router<SignalingRequestContext>) {
        router.middlewares.add(RefusedUpgradeMiddleware())
        router.ws(
            Self.path,
            shouldUpgrade: { request, context in
                context.admission.set(try await admit(request, thing: context.parameters.get("thing") ?? ""))
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                // admit() has checked the robot, the role and the principal when the upgrade was decided.
                guard let admission = context.requestContext.admission.value, let hub = hubs[admission.thing]
                else { return }
                let channel = context.requestContext.channel
                let onCut: @Sendable () -> Void = {
                    // The close frame goes first; a peer that does not read it (its TCP window full, our
                    // writes and Hummingbird's pings all waiting) loses the connection itself.
                    _ = channel.eventLoop.scheduleTask(in: Self.cutGrace) { channel.close(promise: nil) }
                }
                let principal = SignalingHub.identity(of: admission.principal)
                let speaker = SignalingHub.speaker(admission.principal, on: admission.thing)
                // A viewer of a robot whose room is on another instance joins it there (docs/SIGNALING.md).
                if admission.role == .viewer,
                    let forwarded = hubs.cluster?.forward(
                        thing: admission.thing, principal: principal, speaker: speaker, onCut: onCut)
                {
                    try await serve(forwarded, inbound: inbound, outbound: outbound)
                    return
                }
                try await serve(
                    hub: hub, role: admission.role, principal: principal, speaker: speaker,
                    inbound: inbound, outbound: outbound, logger: context.logger, onCut: onCut)
            })
    }

    /// The checks before an upgrade; throws the refusal.
    func admit(_ request: Request, thing: String) async throws(APIError) -> Admission {
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(request, orQueryToken: true)
            guard robots.contains(thing) else {
                throw APIError(.notFound, "unknown robot", "no robot \"\(thing)\" is configured on this server")
            }
        } catch let failure as AuthFailure {
            throw failure.apiError
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.internalServerError, "internal error", "see the server's log")
        }
        let roleName = request.uri.queryParameters["role"].map(String.init) ?? "viewer"
        guard let role = SignalingState.Role(rawValue: roleName) else {
            throw APIError(
                .badRequest, "invalid role", "role must be producer or viewer, not \(roleName.debugDescription)")
        }
        do {
            // A producer needs `produce` (it would otherwise see every viewer's ICE candidates), a viewer `view`.
            try authenticator.authorize(principal, role == .producer ? .produce : .view, robot: thing)
        } catch {
            throw error.apiError
        }
        // A viewer whose room is on another instance meets that room's caps there (a refusal comes as a close).
        let local = hubs.cluster?.remoteHome(of: thing) == nil
        if role == .viewer, local, let hub = hubs[thing], hub.viewerCount >= maxViewers {
            throw APIError(
                .serviceUnavailable, "too many viewers",
                "\(thing) already has \(maxViewers) viewers (video.maxViewers); try again later")
        }
        if role == .viewer, local, let hub = hubs[thing], let identity = SignalingHub.identity(of: principal),
            hub.viewerCount(of: identity) >= hub.video.maxViewersPerPrincipal
        {
            throw APIError(
                .tooManyRequests, "too many viewers for this token",
                "this token already watches \(thing) \(hub.video.maxViewersPerPrincipal) times "
                    + "(video.maxViewersPerPrincipal); close one first")
        }
        return Admission(thing: thing, role: role, principal: principal)
    }

    /// How long a socket the hub cut has to read its close frame before the server closes the connection.
    static let cutGrace: TimeAmount = .seconds(2)

    /// One socket in this instance's room, until it closes: frames from the peer go to the hub; frames the hub
    /// queues for the peer are written in order. The server closes the socket when the hub says so (a replaced
    /// producer, too many viewers) or when the peer does not read its frames. A producer makes the room's home here
    /// for the other instances (``ClusterSignaling/claim(_:producer:)``).
    func serve(
        hub: SignalingHub, role: SignalingState.Role, principal: String?, speaker: SignalingState.Speaker,
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger,
        onCut: @escaping @Sendable () -> Void = {}
    ) async throws {
        let seat = hub.seat(as: role, principal: principal, speaker: speaker, onCut: onCut)
        if role == .producer {
            logger.notice("signaling: a video producer connected", metadata: ["robot.thing": "\(hub.thing)"])
            hubs.cluster?.claim(hub.thing, producer: seat.peer)
        }
        defer {
            if role == .producer {
                logger.notice("signaling: a video producer disconnected", metadata: ["robot.thing": "\(hub.thing)"])
            }
        }
        try await serve(seat, inbound: inbound, outbound: outbound)
    }

    /// One socket, until it closes: its frames go to its seat, and what the seat queues for it is written in order.
    /// Whichever ends first ends the connection: the peer closed, or the server closes it.
    func serve(
        _ seat: some SignalingSeat, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        defer { seat.leave() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in seat.outbound {
                    switch frame {
                    case .text(let text, let origin):
                        try await outbound.write(.text(text))
                        if let origin { seat.written(from: origin) }
                    case .close(let code, let reason):
                        try await outbound.close(.unknown(code), reason: reason)
                        return
                    }
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: Self.maxFrameBytes) {
                    switch message {
                    case .text(let text): seat.received(text)
                    case .binary: seat.receivedBinary()
                    }
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

/// The WebSocket router's request context: Hummingbird's, plus the connection's channel, on which a refused
/// upgrade is answered (``RefusedUpgradeAnswer``).
struct SignalingRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel
    /// What admit() decided when the upgrade was (copies of the context share it, so the socket's handler sees it).
    let admission = AdmissionSlot()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// Carries an upgrade's ``SignalingController/Admission`` from the decision to the socket's handler.
final class AdmissionSlot: Sendable {
    private let slot = Mutex<SignalingController.Admission?>(nil)

    func set(_ admission: SignalingController.Admission) { slot.withLock { $0 = admission } }

    var value: SignalingController.Admission? { slot.withLock { $0 } }
}

/// Turns an upgrade the WebSocket router refuses (an ``APIError``, or no such route) into a JSON answer.
struct RefusedUpgradeMiddleware: RouterMiddleware {
    typealias Context = SignalingRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let refusal: APIError
        do {
            return try await next(request, context)
        } catch let error as APIError {
            refusal = error
        } catch let error as HTTPError where error.status == .notFound {
            refusal = APIError.notFound(request)
        } catch {
            context.logger.error("unexpected error deciding a WebSocket upgrade for \(request.uri.path): \(error)")
            refusal = APIError(.internalServerError, "internal error", "see the server's log")
        }
        try await RefusedUpgradeAnswer.install(refusal, on: context.channel)
        return Response(status: refusal.status)
    }
}
