import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// JWTs from an identity provider, verified by the built robot-server against a JWKS file.
    @Suite(.timeLimit(.minutes(3))) struct JWTTests {
        typealias IdP = TestIdentityProvider

        /// robot-server with a JWKS file holding `keys`, `robot:drive` for every robot, `robot:drive:sts-pi` for
        /// one, and `robot:produce:sts-pi` (the object form: only the `produce` role, on sts-pi).
        func start(keys: [IdP.Key], robotd: Bool = false) async throws -> ServerHarness {
            let folder = try ScratchDirectory.make("jwks")
            let file = folder.appending(path: "jwks.json")
            try IdP.jwks(keys).write(to: file, atomically: true, encoding: .utf8)
            let auth = IdP.auth(
                jwks: #""jwksFile":"\#(file.path)""#,
                scopes: #"{"robot:drive":["*"],"robot:drive:sts-pi":["sts-pi"],"#
                    + #""robot:produce:sts-pi":{"robots":["sts-pi"],"roles":["produce"]}}"#)
            return try await ServerHarness.start(robotd: robotd, auth: auth)
        }

        @Test func aValidTokenDrivesTheRobot() async throws {
            let key = IdP.key("k1")
            let harness = try await start(keys: [key], robotd: true)
            defer { Task { await harness.stop() } }
            let token = try await IdP.token(IdP.claims(), key: key)
            let answer = try await harness.post("/publish", #"{"action":"right","id":"jwt-1"}"#, token: token)
            #expect(answer.status == 202, "\(answer)")
            let robot = try #require(harness.robot)
            try await robot.waitForTelemetry("command jwt-1") { $0.event == .command && $0.id == "jwt-1" }
            try await robot.process.waitUntilOutput(contains: "left=+0.500 right=-0.500")
            // `scp` as a list works as well as `scope`.
            var listed = IdP.claims(scope: nil)
            listed.scp = ["openid", "robot:drive"]
            let scp = try await harness.post("/publish", #"{"action":"stop"}"#, token: IdP.token(listed, key: key))
            #expect(scp.status == 202, "\(scp)")
        }

        @Test func invalidTokensAre401NamingTheCheckThatFailed() async throws {
            let key = IdP.key("k1")
            let stranger = IdP.key("k1")  // same kid, another key: a forged signature
            let harness = try await start(keys: [key])
            defer { Task { await harness.stop() } }
            let now = Date()
            var expired = IdP.claims()
            expired.exp = .init(value: now.addingTimeInterval(-3600))
            var notYet = IdP.claims()
            notYet.nbf = .init(value: now.addingTimeInterval(3600))
            var wrongAudience = IdP.claims()
            wrongAudience.aud = .init(value: ["another-api"])
            var wrongIssuer = IdP.claims()
            wrongIssuer.iss = .init(value: "https://evil.example.test/")
            var noExpiry = IdP.claims()
            noExpiry.exp = nil
            let cases: [(String, String, String)] = [
                ("expired", try await IdP.token(expired, key: key), "the JWT expired at"),
                ("not yet valid", try await IdP.token(notYet, key: key), "the JWT is not valid before"),
                ("wrong audience", try await IdP.token(wrongAudience, key: key), #"does not include "robot-api""#),
                ("wrong issuer", try await IdP.token(wrongIssuer, key: key), #"is not the configured issuer"#),
                ("no exp", try await IdP.token(noExpiry, key: key), "the JWT has no exp claim"),
                ("unknown kid", try await IdP.token(IdP.claims(), key: IdP.key("k9")), #"unknown key id "k9""#),
                ("bad signature", try await IdP.token(IdP.claims(), key: stranger), "signature does not verify"),
            ]
            for (name, token, detail) in cases {
                let mark = harness.mark
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, token: token)
                harness.expectError(answer, status: 401, error: "unauthorized", detail: detail)
                #expect(answer.header("WWW-Authenticate")?.contains("invalid_token") == true, "\(name)")
                try await harness.expectNothingPublished(since: mark)
            }
        }

        @Test func scopesDecideWhichRobotsATokenMayDriveAndWithWhichRoles() async throws {
            let key = IdP.key("k1")
            let harness = try await start(keys: [key])
            defer { Task { await harness.stop() } }
            let one = try await IdP.token(IdP.claims(scope: "openid robot:drive:sts-pi", subject: "bob"), key: key)
            #expect(try await harness.post("/robots/sts-pi/publish", #"{"action":"stop"}"#, token: one).status == 202)
            // A 202 means the broker has it; the admin client may see it a moment later: wait, then mark.
            _ = try await harness.admin.message(timeout: .seconds(5), "bob's stop") { $0.topic == "sts-pi/action" }
            var mark = harness.mark
            let denied = try await harness.post("/robots/rover/publish", #"{"action":"forward"}"#, token: one)
            harness.expectError(
                denied, status: 403, error: "forbidden", detail: #"JWT "bob" lacks the "drive" role for robot "rover""#)
            try await harness.expectNothingPublished(since: mark)

            // A scope that grants only `produce` (a robot's video producer) does not drive it.
            mark = harness.mark
            let producer = try await IdP.token(IdP.claims(scope: "robot:produce:sts-pi", subject: "cam"), key: key)
            let notDriving = try await harness.post("/robots/sts-pi/publish", #"{"action":"forward"}"#, token: producer)
            harness.expectError(
                notDriving, status: 403, error: "forbidden",
                detail: #"JWT "cam" lacks the "drive" role for robot "sts-pi" (it has: produce on sts-pi)"#)
            try await harness.expectNothingPublished(since: mark)

            let all = try await IdP.token(IdP.claims(scope: "robot:drive"), key: key)
            #expect(try await harness.post("/robots/rover/publish", #"{"action":"stop"}"#, token: all).status == 202)
            _ = try await harness.admin.message(timeout: .seconds(5), "the fleet's stop") { $0.topic == "rover/action" }

            mark = harness.mark
            let none = try await IdP.token(IdP.claims(scope: "openid profile"), key: key)
            let missing = try await harness.post("/publish", #"{"action":"forward"}"#, token: none)
            harness.expectError(missing, status: 403, error: "forbidden", detail: "grant no robot")
            try await harness.expectNothingPublished(since: mark)
        }
    }
}
