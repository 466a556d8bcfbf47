import Hummingbird
import Relay
import StrictJSON

/// `GET /relay/rules`: the relay's loaded rules, their targets' queue depths and their counters. Any valid token
/// may read it (it shows topics and counts, no secrets); it is not there when no relay is configured.
struct RelayController: Sendable {
    let relay: RelayService
    let authenticator: Authenticator

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/relay/rules") { request, _ -> Response in
            do {
                _ = try await authenticator.authenticate(request)
            } catch let failure as AuthFailure {
                throw failure.apiError
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: relay.status().serialized() + [UInt8(ascii: "\n")])))
        }
    }
}
