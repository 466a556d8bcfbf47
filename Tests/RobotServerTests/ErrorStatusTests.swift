import Foundation
import NIOHTTP1
import TestSupport
import Testing

extension EndToEnd {
    /// Every error status of the API, on the built binary: the JSON body names what is wrong, and nothing is
    /// published (an admin client on `#` sees only the control command sent afterwards).
    @Suite(.timeLimit(.minutes(3))) struct ErrorStatusTests {
        @Test func badInputIsA400WithTheValidatorsReason() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            let cases: [(String, String, String)] = [
                ("{", "invalid JSON", "invalid JSON at byte 1"),
                ("", "invalid JSON", "empty payload"),
                (#"{"action":"fly"}"#, "invalid command", #"unknown action "fly"; expected forward, backwards"#),
                (#"{"action":"Forward"}"#, "invalid command", #"unknown action "Forward""#),
                (#"{"action":"forward","speed":1.5}"#, "invalid command", "speed must be between 0 and 1, got 1.5"),
                (#"{"action":"forward","speed":"0.5"}"#, "invalid command", "speed must be a number"),
                (#"{"action":"forward","durationMs":0}"#, "invalid command", "durationMs must be an integer between 1"),
                (#"{"action":"forward","left":1,"right":1}"#, "invalid command", "ambiguous command"),
                (#"{"left":0.5}"#, "invalid command", #""left" needs "right" too"#),
                ("[1,2]", "invalid command", "command must be a JSON object, got array"),
                (
                    #"{"id":"\#(String(repeating: "x", count: 65))","action":"stop"}"#, "invalid command",
                    "id must be at most 64"
                ),
            ]
            for (body, error, detail) in cases {
                let mark = harness.mark
                let answer = try await harness.post("/publish", body)
                harness.expectError(answer, status: 400, error: error, detail: detail)
                try await harness.expectNothingPublished(since: mark)
            }
        }

        @Test func missingOrInvalidTokensAre401() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            let cases: [([(String, String)], String)] = [
                ([], "no bearer token"),
                ([("Authorization", "Bearer not-a-token")], "the bearer token is not valid"),
                ([("Authorization", "Basic dXNlcjpwYXNz")], "must be \"Bearer <token>\""),
                ([("Authorization", "Bearer ")], "Bearer <token>"),
                ([("Authorization", "Bearer \(ServerHarness.homeToken)x")], "the bearer token is not valid"),
                ([("Authorization", "Bearer a.b.c")], "the bearer token is not valid"),
            ]
            for (headers, detail) in cases {
                let mark = harness.mark
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, token: nil, headers: headers)
                harness.expectError(answer, status: 401, error: "unauthorized", detail: detail)
                #expect(answer.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(answer.headers)")
                try await harness.expectNothingPublished(since: mark)
            }
        }

        @Test func aTokenForAnotherRobotIs403AndAnUnknownRobotIs404() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            var mark = harness.mark
            let forbidden = try await harness.post("/robots/rover/publish", #"{"action":"forward"}"#)
            harness.expectError(
                forbidden, status: 403, error: "forbidden",
                detail: #"token "home" lacks the "drive" role for robot "rover" (it has: drive, view on sts-pi)"#)
            try await harness.expectNothingPublished(since: mark)

            mark = harness.mark
            let unknown = try await harness.post("/robots/r2d2/publish", #"{"action":"forward"}"#)
            harness.expectError(unknown, status: 404, error: "unknown robot", detail: #"no robot "r2d2" is configured"#)
            try await harness.expectNothingPublished(since: mark)

            // Without a valid token, an unknown robot is a 401: the fleet's names are not told to strangers.
            let stranger = try await harness.post("/robots/r2d2/publish", #"{"action":"forward"}"#, token: "guess")
            #expect(stranger.status == 401, "\(stranger)")
        }

        @Test func unknownRoutesAre404AndWrongMethods405() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            let mark = harness.mark
            let missing = try await harness.post("/drive", #"{"action":"forward"}"#)
            harness.expectError(missing, status: 404, error: "not found", detail: "no route for POST /drive")
            let nested = try await harness.get("/robots/sts-pi")
            harness.expectError(nested, status: 404, error: "not found", detail: "/robots/sts-pi")
            for (method, path, allow) in [
                (HTTPMethod.GET, "/publish", "POST"), (.PUT, "/publish", "POST"),
                (.DELETE, "/robots/sts-pi/publish", "POST"),
                (.POST, "/healthz", "GET"), (.POST, "/metrics", "GET"),
            ] {
                let answer = try await HTTPAnswer.send(
                    method, harness.baseURL + path,
                    headers: [("Authorization", "Bearer \(ServerHarness.homeToken)")])
                harness.expectError(answer, status: 405, error: "method not allowed", detail: "accepts \(allow)")
                #expect(answer.header("Allow") == allow)
            }
            try await harness.expectNothingPublished(since: mark)
        }

        @Test func bodiesOver4KiBAre413() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            // Valid JSON, padded past 4096 bytes: refused for its size alone.
            let padding = String(repeating: " ", count: 4096)
            let mark = harness.mark
            let answer = try await harness.post("/publish", #"{"action":"forward"}"# + padding)
            harness.expectError(answer, status: 413, error: "payload too large", detail: "at most 4096 bytes")
            try await harness.expectNothingPublished(since: mark)

            // Exactly 4096 bytes with an id is fine.
            let body = #"{"action":"stop","id":"edge"}"#
            let exact = try await harness.post("/publish", body + String(repeating: " ", count: 4096 - body.utf8.count))
            #expect(exact.status == 202, "\(exact)")
        }

        @Test func anythingButJSONIs415() async throws {
            let harness = try await ServerHarness.start(robotd: false)
            defer { Task { await harness.stop() } }
            for contentType in [nil, "application/x-www-form-urlencoded", "text/plain", "application/jsonp"] {
                let mark = harness.mark
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, contentType: contentType)
                harness.expectError(
                    answer, status: 415, error: "unsupported media type", detail: "Content-Type: application/json")
                try await harness.expectNothingPublished(since: mark)
            }
            let withCharset = try await harness.post(
                "/publish", #"{"action":"stop"}"#, contentType: "application/json; charset=utf-8")
            #expect(withCharset.status == 202, "\(withCharset)")
        }
    }
}
