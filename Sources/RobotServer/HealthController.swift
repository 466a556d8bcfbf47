import Hummingbird
import Prometheus
import StrictJSON

/// `GET /healthz` (200 while the broker is connected, else 503 with the reason) and `GET /metrics`
/// (Prometheus text format). Neither needs a token: they reveal no secret, and probes and scrapers
/// rarely carry one. Bind `listen.host` to a private address if that matters.
struct HealthController: Sendable {
    let publisher: any CommandPublishing
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            let health = publisher.health
            guard health.connected else {
                throw APIError(.serviceUnavailable, "broker unavailable", health.reason)
            }
            let body: JSONValue = .object([("status", "ok"), ("broker", "connected")])
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body.serialized() + [UInt8(ascii: "\n")])))
        }
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        for path in ["/healthz", "/metrics"] {
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(request, allow: "GET")
                }
            }
        }
    }
}
