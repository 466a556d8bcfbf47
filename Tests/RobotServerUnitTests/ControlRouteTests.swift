@testable import RobotServer
import StrictJSON
import TestSupport
import Testing

/// One driver at a time through the REST API, in process (``RouteHarness``: the routes ``buildRoutes`` makes, a broker
/// stand-in): the publish routes' 409, and `GET`/`POST /robots/{thing}/control` with every answer the spec gives.
@Suite(.timeLimit(.minutes(1))) struct ControlRouteTests {
    static let alice = "alice-token-0b5e7c1d93a2f4e6"
    static let bob = "bob-token-6a2c9e0f4b7d1358"
    static let admin = "admin-token-e4d2a7c90b1f3658"
    static let watcher = "watcher-token-5c8e1a3f7d9b2046"
    static let producer = RobotServerProcess.producerToken

    /// alice and bob drive and watch sts-pi; `admin` may also take over; `watcher` only watches; the producer produces.
    static var auth: String {
        func token(_ name: String, _ token: String, _ roles: String) -> String {
            #"{"name":"\#(name)","sha256":"\#(RobotServerProcess.sha256(token))","robots":["sts-pi"],"roles":\#(roles)}"#
        }
        return #"{"tokens":["#
            + [
                token("alice", alice, #"["drive","view"]"#), token("bob", bob, #"["drive","view"]"#),
                token("admin", admin, #"["drive","view","admin"]"#), token("watcher", watcher, #"["view"]"#),
                token("video-producer", producer, #"["produce"]"#),
            ].joined(separator: ",") + "]}"
    }

    func run(_ test: @Sendable (RouteHarness, BrokerStandIn) async throws -> Void) async throws {
        let broker = BrokerStandIn()
        try await RouteHarness.run(auth: Self.auth, extra: #""control":{"idleSeconds":30}"#, broker: .standIn(broker)) {
            try await test($0, broker)
        }
    }

    static let forward = #"{"action":"forward","id":"f1"}"#

    @Test func anotherPrincipalsMotionIsRefusedWith409NamingTheHolder() async throws {
        try await run { harness, broker in
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 202)
            let refused = try await harness.post("/robots/sts-pi/publish", Self.forward, token: Self.bob)
            #expect(refused.status == 409, "\(refused)")
            #expect(refused.json?.objectValue?.keys == ["error", "detail", "holder"], "\(refused)")
            #expect(refused.error == "control held")
            let since = try #require(refused.json?["holder"]?["since"]?.stringValue)
            #expect(refused.json?["holder"] == ["name": "alice", "since": .string(since)])
            #expect(since.count == 20 && since.hasSuffix("Z"), "whole seconds: \(since)")
            #expect(
                refused.detail
                    == "alice is driving sts-pi since \(since); ask for control (POST /robots/sts-pi/control "
                    + #"{"action":"request"}) or wait until the lease is idle for 30 s"#, "\(refused)")
            #expect(refused.header(.contentType) == "application/json")
            // A release of the emergency stop needs the lease too.
            #expect(try await harness.post("/publish", #"{"action":"release"}"#, token: Self.bob).status == 409)
            #expect(broker.commands.count == 1, "nothing refused was published: \(broker.commands)")
            // The refusals are counted by the request metrics, with their status.
            let metrics = try await harness.get("/metrics")
            #expect(
                metrics.body.contains(
                    #"robot_server_http_requests_total{http_route="/publish",http_request_method="POST",http_response_status_code="409"} 1"#
                ),
                "\(metrics.body.split(separator: "\n").filter { $0.contains("409") })")
        }
    }

    @Test func stopsAndEmergencyStopsFromAnyDriverPass() async throws {
        try await run { harness, broker in
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 202)
            for body in [#"{"action":"stop"}"#, #"{"action":"estop"}"#, #"{"left":0,"right":0}"#] {
                let answer = try await harness.post("/publish", body, token: Self.bob)
                #expect(answer.status == 202, "\(body): \(answer)")
            }
            #expect(broker.commands.count == 4)
            // A stop did not take the lease from alice.
            let state = try await harness.send(.get, "/robots/sts-pi/control", token: Self.bob)
            #expect(state.json?["holder"]?["name"] == "alice", "\(state)")
            // Still refused: the watcher may not drive at all, not even stop (403 before the lease).
            let watcher = try await harness.post("/publish", #"{"action":"stop"}"#, token: Self.watcher)
            #expect(watcher.status == 403, "\(watcher)")
        }
    }

    @Test func theControlStatusIsPersonalised() async throws {
        try await run { harness, _ in
            let free = try await harness.send(.get, "/robots/sts-pi/control", token: Self.watcher)
            #expect(free.status == 200, "\(free)")
            #expect(free.header(.cacheControl) == "no-store")
            #expect(
                free.json
                    == [
                        "robot": "sts-pi", "holder": .null, "request": .null, "idleSeconds": 30,
                        "you": ["name": "watcher", "driving": false, "mayDrive": false, "admin": false],
                    ], "\(free)")
            _ = try await harness.post("/publish", Self.forward, token: Self.alice)
            let alice = try await harness.send(.get, "/robots/sts-pi/control", token: Self.alice)
            #expect(alice.json?["you"] == ["name": "alice", "driving": true, "mayDrive": true, "admin": false])
            #expect(alice.json?["holder"]?["name"] == "alice")
            let admin = try await harness.send(.get, "/robots/sts-pi/control", token: Self.admin)
            #expect(admin.json?["you"] == ["name": "admin", "driving": false, "mayDrive": true, "admin": true])
        }
    }

    @Test func requestHandoverAndTheNewHolderDrives() async throws {
        try await run { harness, broker in
            // A request for a free lease takes it (200).
            let taken = try await harness.post("/robots/sts-pi/control", #"{"action":"request"}"#, token: Self.alice)
            #expect(taken.status == 200 && taken.json?["you"]?["driving"] == true, "\(taken)")
            let again = try await harness.post("/robots/sts-pi/control", #"{"action":"request"}"#, token: Self.alice)
            #expect(again.status == 200, "the holder's own request changes nothing: \(again)")

            let asked = try await harness.post("/robots/sts-pi/control", #"{"action":"request"}"#, token: Self.bob)
            #expect(asked.status == 202, "\(asked)")
            #expect(asked.json?["request"]?["name"] == "bob" && asked.json?["holder"]?["name"] == "alice")
            #expect(asked.json?["you"]?["driving"] == false)

            let notHolder = try await harness.post("/robots/sts-pi/control", #"{"action":"handover"}"#, token: Self.bob)
            notHolder.expectConflict("not the holder", detail: "alice is driving sts-pi since")
            let handed = try await harness.post("/robots/sts-pi/control", #"{"action":"handover"}"#, token: Self.alice)
            #expect(handed.status == 200, "\(handed)")
            #expect(handed.json?["holder"]?["name"] == "bob" && handed.json?["request"] == .null)
            #expect(handed.json?["you"]?["driving"] == false, "alice no longer drives")

            #expect(try await harness.post("/publish", Self.forward, token: Self.bob).status == 202)
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 409)
            let nobody = try await harness.post("/robots/sts-pi/control", #"{"action":"handover"}"#, token: Self.bob)
            nobody.expectConflict("nobody asked for control", detail: "nobody asked for control of sts-pi")
            #expect(broker.commands.count == 1)
        }
    }

    @Test func theHolderDeclinesAndReleases() async throws {
        try await run { harness, _ in
            _ = try await harness.post("/publish", Self.forward, token: Self.alice)
            _ = try await harness.post("/robots/sts-pi/control", #"{"action":"request"}"#, token: Self.bob)
            let declined = try await harness.post("/robots/sts-pi/control", #"{"action":"decline"}"#, token: Self.alice)
            #expect(declined.status == 200 && declined.json?["request"] == .null, "\(declined)")
            let bobReleases = try await harness.post(
                "/robots/sts-pi/control", #"{"action":"release"}"#, token: Self.bob)
            bobReleases.expectConflict("not the holder", detail: "only the principal driving sts-pi")
            let released = try await harness.post("/robots/sts-pi/control", #"{"action":"release"}"#, token: Self.alice)
            #expect(released.status == 200 && released.json?["holder"] == .null, "\(released)")
            let nobody = try await harness.post("/robots/sts-pi/control", #"{"action":"decline"}"#, token: Self.alice)
            nobody.expectConflict("not the holder", detail: "nobody is driving sts-pi")
            #expect(nobody.json?["holder"] == .null)
            #expect(try await harness.post("/publish", Self.forward, token: Self.bob).status == 202)
        }
    }

    @Test func onlyAnAdminTakesOver() async throws {
        try await run { harness, _ in
            _ = try await harness.post("/publish", Self.forward, token: Self.alice)
            let bob = try await harness.post("/robots/sts-pi/control", #"{"action":"takeover"}"#, token: Self.bob)
            bob.expectError(status: 403, error: "forbidden", detail: #"token "bob" lacks the "admin" role"#)
            let admin = try await harness.post("/robots/sts-pi/control", #"{"action":"takeover"}"#, token: Self.admin)
            #expect(admin.status == 200 && admin.json?["holder"]?["name"] == "admin", "\(admin)")
            #expect(admin.json?["you"]?["driving"] == true)
            #expect(try await harness.post("/publish", Self.forward, token: Self.alice).status == 409)
        }
    }

    @Test func badRequestsAreRefusedInOrder() async throws {
        try await run { harness, _ in
            let path = "/robots/sts-pi/control"
            #expect(try await harness.post(path, #"{"action":"request"}"#, token: nil).status == 401)
            let unknown = try await harness.post("/robots/nope/control", #"{"action":"request"}"#, token: Self.alice)
            unknown.expectError(status: 404, error: "unknown robot", detail: #"no robot "nope""#)
            let watcher = try await harness.post(path, #"{"action":"request"}"#, token: Self.watcher)
            watcher.expectError(status: 403, error: "forbidden", detail: #"lacks the "drive" role"#)
            let producer = try await harness.send(.get, path, token: Self.producer)
            producer.expectError(status: 403, error: "forbidden", detail: #"lacks the "view" or "drive" role"#)
            let form = try await harness.post(path, "action=request", token: Self.alice, contentType: "text/plain")
            form.expectError(status: 415, error: "unsupported media type", detail: "a control action in JSON")
            let json = try await harness.post(path, "{", token: Self.alice)
            #expect(json.status == 400 && json.error == "invalid JSON", "\(json)")
            let missing = try await harness.post(path, #"{"do":"request"}"#, token: Self.alice)
            missing.expectError(
                status: 400, error: "invalid action", detail: "request, handover, decline, release, takeover")
            let wrong = try await harness.post(path, #"{"action":"steal"}"#, token: Self.alice)
            wrong.expectError(
                status: 400, error: "invalid action",
                detail: #"unknown action "steal"; expected one of request, handover, decline, release, takeover"#)
            let put = try await harness.send(.put, path, body: "{}", token: Self.alice)
            put.expectError(status: 405, error: "method not allowed", detail: "accepts GET, POST")
            #expect(put.header(.allow) == "GET, POST")
        }
    }
}

extension RouteAnswer {
    /// A 409 from the control lease: `error`, a `detail` containing `detail`.
    func expectConflict(_ error: String, detail: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 409, "\(self)", sourceLocation: sourceLocation)
        #expect(self.error == error, "\(self)", sourceLocation: sourceLocation)
        #expect(self.detail?.contains(detail) == true, "\(self)", sourceLocation: sourceLocation)
    }
}
