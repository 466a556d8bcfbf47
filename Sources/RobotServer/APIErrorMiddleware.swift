public import Hummingbird
import Logging

/// Turns every error thrown below it into a JSON answer (``APIError``), so clients — and the CORS and
/// metrics middleware above it — always see a response: Hummingbird's own 404 for an unknown route, a
/// 413 from the body reader, and, should a bug let one through, an unexpected error as a logged 500.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try APIError.notFound(request).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return try APIError(error.status, error.status.reasonPhrase.lowercased(), message)
                .response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error answering \(request.method) \(request.uri.path): \(error)")
            return try APIError(.internalServerError, "internal error", "see the server's log")
                .response(from: request, context: context)
        }
    }
}
