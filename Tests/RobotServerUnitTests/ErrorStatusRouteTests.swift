import Hummingbird
@testable import RobotServer
import Testing

/// Every error status of the REST API, in process on a broker stand-in that records what reaches it: the JSON
/// body names what is wrong, and nothing is published. (`RobotServerTests`' `ErrorStatusTests` sends one of each
/// to the built binary on a real broker.)
@Suite(.timeLimit(.minutes(1))) struct ErrorStatusRouteTests {
    @Test func badInputIsA400WithTheValidatorsReason() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
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
                let answer = try await harness.post("/publish", body)
                answer.expectError(status: 400, error: error, detail: detail)
            }
        }
        #expect(broker.commands.isEmpty, "\(broker.commands)")
    }

    @Test func missingOrInvalidTokensAre401() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            let cases: [(HTTPFields, String)] = [
                ([:], "no bearer token"),
                ([.authorization: "Bearer not-a-token"], "the bearer token is not valid"),
                ([.authorization: "Basic dXNlcjpwYXNz"], "must be \"Bearer <token>\""),
                ([.authorization: "Bearer "], "Bearer <token>"),
                ([.authorization: "Bearer \(RouteHarness.homeToken)x"], "the bearer token is not valid"),
                ([.authorization: "Bearer a.b.c"], "the bearer token is not valid"),
            ]
            for (headers, detail) in cases {
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, token: nil, headers: headers)
                answer.expectError(status: 401, error: "unauthorized", detail: detail)
                #expect(answer.header(.wwwAuthenticate)?.hasPrefix("Bearer") == true, "\(answer.headers)")
            }
        }
        #expect(broker.commands.isEmpty, "\(broker.commands)")
    }

    @Test func aTokenForAnotherRobotIs403AndAnUnknownRobotIs404() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            let forbidden = try await harness.post("/robots/rover/publish", #"{"action":"forward"}"#)
            forbidden.expectError(
                status: 403, error: "forbidden",
                detail: #"token "home" lacks the "drive" role for robot "rover" (it has: drive, view on sts-pi)"#)

            let unknown = try await harness.post("/robots/r2d2/publish", #"{"action":"forward"}"#)
            unknown.expectError(status: 404, error: "unknown robot", detail: #"no robot "r2d2" is configured"#)

            // Without a valid token, an unknown robot is a 401: the fleet's names are not told to strangers.
            let stranger = try await harness.post("/robots/r2d2/publish", #"{"action":"forward"}"#, token: "guess")
            #expect(stranger.status == 401, "\(stranger)")
        }
        #expect(broker.commands.isEmpty, "\(broker.commands)")
    }

    @Test func unknownRoutesAre404AndWrongMethods405() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            let missing = try await harness.post("/drive", #"{"action":"forward"}"#)
            missing.expectError(status: 404, error: "not found", detail: "no route for POST /drive")
            let nested = try await harness.get("/robots/sts-pi")
            nested.expectError(status: 404, error: "not found", detail: "/robots/sts-pi")
            for (method, path, allow) in [
                (HTTPRequest.Method.get, "/publish", "POST"), (.put, "/publish", "POST"),
                (.delete, "/robots/sts-pi/publish", "POST"),
                (.post, "/healthz", "GET"), (.post, "/metrics", "GET"),
            ] {
                let answer = try await harness.send(method, path)
                answer.expectError(status: 405, error: "method not allowed", detail: "accepts \(allow)")
                #expect(answer.header(.allow) == allow)
            }
        }
        #expect(broker.commands.isEmpty, "\(broker.commands)")
    }

    @Test func bodiesOver4KiBAre413() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            // Valid JSON, padded past 4096 bytes: refused for its size alone.
            let padding = String(repeating: " ", count: 4096)
            let answer = try await harness.post("/publish", #"{"action":"forward"}"# + padding)
            answer.expectError(status: 413, error: "payload too large", detail: "at most 4096 bytes")
            #expect(broker.commands.isEmpty, "\(broker.commands)")

            // Exactly 4096 bytes with an id is fine.
            let body = #"{"action":"stop","id":"edge"}"#
            let exact = try await harness.post("/publish", body + String(repeating: " ", count: 4096 - body.utf8.count))
            #expect(exact.status == 202, "\(exact)")
        }
        #expect(broker.commands.map(\.topic) == ["sts-pi/action"], "\(broker.commands)")
    }

    @Test func anythingButJSONIs415() async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(broker: .standIn(broker)) { harness in
            for contentType in [nil, "application/x-www-form-urlencoded", "text/plain", "application/jsonp"] {
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, contentType: contentType)
                answer.expectError(
                    status: 415, error: "unsupported media type", detail: "Content-Type: application/json")
            }
            #expect(broker.commands.isEmpty, "\(broker.commands)")
            let withCharset = try await harness.post(
                "/publish", #"{"action":"stop"}"#, contentType: "application/json; charset=utf-8")
            #expect(withCharset.status == 202, "\(withCharset)")
        }
        #expect(broker.commands.count == 1, "\(broker.commands)")
        #expect(broker.commands.first?.payload.hasPrefix(#"{"action":"stop","id":"srv-"#) == true)
    }
}
