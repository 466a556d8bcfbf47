import Hummingbird
import Relay
import StrictJSON

/// `GET /relay/rules`: the relay's loaded rules, their targets' queue depths and their counters, and the
/// accounts. Only for the `admin` role on every robot: ``AdminGate`` guards all of `/relay`, and this route
/// checks again should the gate ever be left out. Webhook targets are shown without userinfo, query string or
/// header values (`WebhookRedaction`). The route is not there when no relay is configured.
struct RelayController: Sendable {
    let relay: RelayService
    let authenticator: Authenticator

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/relay/rules") { request, _ -> Response in
            do {
                let principal = try await authenticator.authenticate(request)
                try authenticator.authorize(principal, .admin, everywhereFor: "/relay")
            } catch let failure as AuthFailure {
                throw failure.apiError
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: relay.status().serialized() + [UInt8(ascii: "\n")])))
        }
        addDeadLetterRoutes(to: router)
    }
}
