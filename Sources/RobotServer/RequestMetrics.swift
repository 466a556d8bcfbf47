public import CoreMetrics
public import Hummingbird
import Synchronization

/// Counts requests by route, method and status (`robot_server_http_requests_total`) and records their
/// latency per route (`robot_server_http_request_duration_seconds`, a histogram).
///
/// Sits above ``APIErrorMiddleware``, so errors arrive here as responses with their real status. (Hummingbird's
/// `MetricsMiddleware` would also do, but keeps an error counter per status — zeros for every 202 — and a
/// histogram per status.) The route is the matched pattern (`/robots/{thing}/publish`), or `unmatched`, so
/// the label set stays small whatever paths clients try.
public struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    private final class Cache: Sendable {
        let factory: any MetricsFactory
        let counters = Mutex<[String: CoreMetrics.Counter]>([:])
        let timers = Mutex<[String: CoreMetrics.Timer]>([:])
        init(factory: any MetricsFactory) { self.factory = factory }
    }

    private let cache: Cache

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        cache = Cache(factory: factory)
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        let status = String(response.status.code)
        counter(route: route, method: method, status: status).increment()
        timer(route: route).record(duration: .now - started)
        return response
    }

    private func counter(route: String, method: String, status: String) -> CoreMetrics.Counter {
        let key = "\(route) \(method) \(status)"
        return cache.counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "robot_server_http_requests_total",
                dimensions: [
                    ("http_route", route), ("http_request_method", method), ("http_response_status_code", status),
                ],
                factory: cache.factory)
            counters[key] = counter
            return counter
        }
    }

    private func timer(route: String) -> CoreMetrics.Timer {
        cache.timers.withLock { timers in
            if let timer = timers[route] { return timer }
            let timer = CoreMetrics.Timer(
                label: "robot_server_http_request_duration_seconds", dimensions: [("http_route", route)],
                factory: cache.factory)
            timers[route] = timer
            return timer
        }
    }
}
