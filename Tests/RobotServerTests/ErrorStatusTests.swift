import Foundation
import NIOHTTP1
import TestSupport
import Testing

extension EndToEnd {
    /// One answer of each error status of the API on the built binary, over real HTTP: the JSON body names what is
    /// wrong, and nothing is published (an admin client on `#` sees only the control command sent afterwards).
    /// Every case of each status is in `RobotServerUnitTests`' `ErrorStatusRouteTests`, in process.
    @Suite(.timeLimit(.minutes(3))) struct ErrorStatusTests {
        @Test func eachErrorStatusOnTheBuiltBinary() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            var mark = harness.mark
            let invalid = try await harness.post("/publish", #"{"action":"fly"}"#)
            harness.expectError(
                invalid, status: 400, error: "invalid command",
                detail: #"unknown action "fly"; expected forward, backwards"#)
            try await harness.expectNothingPublished(since: mark)

            mark = harness.mark
            let unauthorized = try await harness.post(
                "/publish", #"{"action":"forward"}"#, token: nil,
                headers: [("Authorization", "Bearer \(ServerHarness.homeToken)x")])
            harness.expectError(
                unauthorized, status: 401, error: "unauthorized", detail: "the bearer token is not valid")
            #expect(unauthorized.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(unauthorized.headers)")
            try await harness.expectNothingPublished(since: mark)

            mark = harness.mark
            let forbidden = try await harness.post("/robots/rover/publish", #"{"action":"forward"}"#)
            harness.expectError(
                forbidden, status: 403, error: "forbidden",
                detail: #"token "home" lacks the "drive" role for robot "rover" (it has: drive, view on sts-pi)"#)
            let unknown = try await harness.post("/robots/r2d2/publish", #"{"action":"forward"}"#)
            harness.expectError(unknown, status: 404, error: "unknown robot", detail: #"no robot "r2d2" is configured"#)
            let missing = try await harness.post("/drive", #"{"action":"forward"}"#)
            harness.expectError(missing, status: 404, error: "not found", detail: "no route for POST /drive")
            let wrongMethod = try await HTTPAnswer.send(
                .PUT, harness.baseURL + "/publish", headers: [("Authorization", "Bearer \(ServerHarness.homeToken)")])
            harness.expectError(wrongMethod, status: 405, error: "method not allowed", detail: "accepts POST")
            #expect(wrongMethod.header("Allow") == "POST")
            try await harness.expectNothingPublished(since: mark)

            // Valid JSON, padded past 4096 bytes: refused for its size alone, as the body streams in.
            mark = harness.mark
            let padding = String(repeating: " ", count: 4096)
            let tooLarge = try await harness.post("/publish", #"{"action":"forward"}"# + padding)
            harness.expectError(tooLarge, status: 413, error: "payload too large", detail: "at most 4096 bytes")
            let notJSON = try await harness.post("/publish", #"{"action":"forward"}"#, contentType: "text/plain")
            harness.expectError(
                notJSON, status: 415, error: "unsupported media type", detail: "Content-Type: application/json")
            try await harness.expectNothingPublished(since: mark)
        }
    }
}
