import NIOHTTP1
import TestSupport

/// The REST API of one instance of a ``ServerCluster``.
extension ServerCluster {
    /// A POST of JSON `body` to `path` on instance `id`, with a bearer token.
    func post(_ id: String, _ path: String, _ body: String, token: String) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(
            .POST, self[id].baseURL + path, body: Array(body.utf8),
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")])
    }

    func get(_ id: String, _ path: String, token: String) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(.GET, self[id].baseURL + path, headers: [("Authorization", "Bearer \(token)")])
    }
}
