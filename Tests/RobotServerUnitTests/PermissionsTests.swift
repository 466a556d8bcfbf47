import Foundation
@testable import RobotServer
import StrictJSON
import TestSupport
import Testing

/// Roles per robot as pure decisions: what a grant permits, how a refusal names the missing role, and how the
/// config spells roles for static tokens and JWT scopes.
@Suite struct PermissionsTests {
    let producer = Permissions([.init(robots: .some(["sts-pi"]), roles: [.produce])])
    let home = Permissions([.init(robots: .some(["sts-pi"]))])

    @Test func aGrantPermitsItsRolesOnItsRobotsOnly() {
        #expect(home.permits(.drive, robot: "sts-pi") && home.permits(.view, robot: "sts-pi"))
        #expect(!home.permits(.produce, robot: "sts-pi") && !home.permits(.admin, robot: "sts-pi"))
        #expect(!home.permits(.drive, robot: "rover"))
        #expect(producer.permits(.produce, robot: "sts-pi"))
        #expect(!producer.permits(.drive, robot: "sts-pi") && !producer.permits(.view, robot: "sts-pi"))
        let both = producer + Permissions([.init(robots: .all, roles: [.view])])
        #expect(both.permits(.view, robot: "rover") && !both.permits(.produce, robot: "rover"))
    }

    @Test func adminForTheRelayMeansAdminOnEveryRobot() {
        let oneRobot = Permissions([.init(robots: .some(["sts-pi"]), roles: [.admin])])
        #expect(oneRobot.permits(.admin, robot: "sts-pi") && !oneRobot.permitsEverywhere(.admin))
        #expect(Permissions([.init(robots: .all, roles: [.admin])]).permitsEverywhere(.admin))
        #expect(!Permissions([.init(robots: .all)]).permitsEverywhere(.admin))
    }

    @Test func emptinessAndDescription() {
        #expect(Permissions().isEmpty && Permissions([.init(robots: .some([]))]).isEmpty)
        #expect(!producer.isEmpty)
        #expect(
            "\(home + Permissions([.init(robots: .all, roles: [.admin, .produce])]))"
                == "drive, view on sts-pi; produce, admin on every robot")
        #expect("\(Permissions())" == "nothing")
    }

    @Test func refusalsAre403sNamingTheMissingRoleAndTheRobot() throws {
        let authenticator = Authenticator(disabled: false, tokens: StaticTokens(tokens: []), jwt: nil)
        let video = Principal(kind: .token, name: "video", permissions: producer)
        #expect(throws: Never.self) { try authenticator.authorize(video, .produce, robot: "sts-pi") }
        let refusal = try #require(throws: AuthFailure.self) {
            try authenticator.authorize(video, .drive, robot: "sts-pi")
        }
        let error = refusal.apiError
        #expect(error.status == .forbidden)
        #expect(
            error.body == [
                "error": "forbidden",
                "detail": #"token "video" lacks the "drive" role for robot "sts-pi" (it has: produce on sts-pi)"#,
            ])
        let relay = try #require(throws: AuthFailure.self) {
            try authenticator.authorize(
                Principal(kind: .jwt, name: "alice", robots: .all), .admin, everywhereFor: "/relay")
        }
        #expect(
            relay.apiError.detail.stringValue?.hasPrefix(
                #"JWT "alice" lacks the "admin" role for every robot ("robots": ["*"]), which /relay needs"#) == true)
    }

    @Test func disabledAuthenticationHasEveryRole() {
        for role in Role.allCases {
            #expect(Authenticator.anonymous.permissions.permits(role, robot: "any"))
        }
        #expect(Authenticator.anonymous.permissions.permitsEverywhere(.admin))
    }

    @Test func staticTokensCarryTheirRoles() throws {
        let digest = try #require(Hex.bytes(RobotServerProcess.sha256("v")))
        let tokens = StaticTokens(tokens: [
            .init(sha256: digest, robots: .some(["sts-pi"]), roles: [.produce], name: "v")
        ])
        #expect(tokens.principal(for: "v") == Principal(kind: .token, name: "v", permissions: producer))
    }

    @Test func newTokensAreRandomHexAndHashLikeSha256sum() {
        let tokens = (0..<50).map { _ in BearerToken.generate() }
        #expect(Set(tokens).count == 50 && tokens.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        // printf %s test | sha256sum
        #expect(BearerToken.sha256("test") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        #expect(BearerToken.fromInput("abc\n") == "abc" && BearerToken.fromInput("abc\r\n") == "abc")
        #expect(BearerToken.fromInput("abc\n\n") == "abc\n" && BearerToken.fromInput(" abc") == " abc")
        #expect(
            BearerToken.configLine(name: "a\"b", sha256: "ff", robots: ["*"], roles: [.drive, .view])
                == #"{ "name": "a\"b", "sha256": "ff", "robots": ["*"], "roles": ["drive", "view"] }"#)
    }
}
