import Hummingbird
@testable import RobotServer
import Testing

/// CORS, in process: preflights answered for the configured origins only, and every answer — errors included —
/// readable by the browser of an allowed origin.
@Suite(.timeLimit(.minutes(1))) struct CORSRouteTests {
    @Test func corsAnswersPreflightsForConfiguredOriginsOnly() async throws {
        try await RouteHarness.run(
            extra: #""cors":{"allowedOrigins":["https://app.example.test"],"maxAgeSeconds":120}"#
        ) { harness in
            let preflight = try await harness.send(
                .options, "/publish", token: nil,
                headers: [
                    .origin: "https://app.example.test", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization, content-type",
                ])
            #expect(preflight.status == 204, "\(preflight)")
            #expect(preflight.header(.accessControlAllowOrigin) == "https://app.example.test")
            #expect(preflight.header(.accessControlAllowHeaders)?.contains("Authorization") == true)
            #expect(preflight.header(.accessControlAllowMethods)?.contains("POST") == true)
            #expect(preflight.header(.accessControlMaxAge) == "120")

            let stranger = try await harness.send(
                .options, "/publish", token: nil,
                headers: [.origin: "https://evil.example.test", .accessControlRequestMethod: "POST"])
            #expect(stranger.header(.accessControlAllowOrigin) == nil)

            // The browser can read the answers, errors included.
            let origin: HTTPFields = [.origin: "https://app.example.test"]
            let accepted = try await harness.post("/publish", #"{"action":"stop"}"#, headers: origin)
            #expect(accepted.status == 202 && accepted.header(.accessControlAllowOrigin) == "https://app.example.test")
            let refused = try await harness.post("/publish", #"{"action":"stop"}"#, token: nil, headers: origin)
            #expect(refused.status == 401 && refused.header(.accessControlAllowOrigin) == "https://app.example.test")
        }
    }

    @Test func corsWithAStarAllowsAnyOrigin() async throws {
        try await RouteHarness.run(extra: #""cors":{"allowedOrigins":["*"]}"#) { harness in
            let answer = try await harness.post(
                "/publish", #"{"action":"stop"}"#, headers: [.origin: "https://anywhere.example.test"])
            #expect(answer.status == 202 && answer.header(.accessControlAllowOrigin) == "*")
        }
        // Without a cors section there are no CORS headers at all.
        try await RouteHarness.run { harness in
            let none = try await harness.post("/publish", #"{"action":"stop"}"#, headers: [.origin: "https://a.test"])
            #expect(none.status == 202 && none.header(.accessControlAllowOrigin) == nil)
        }
    }
}
