import Foundation
import JSONConfig
@testable import RobotServer
import TestSupport
import Testing

/// How the config grants roles: `roles` on static tokens (drive and view without it), JWT scopes as a list of
/// robots (drive and view) or `{"robots", "roles"}`, and errors that name the key path.
@Suite struct RoleConfigTests {
    func load(_ auth: String) throws -> AuthConfig {
        try ServerConfig.load(
            path: PlaceholderFiles.config(#"{\#(ServerConfigTests.mqtt),"robots":["sts-pi","rover"],"auth":\#(auth)}"#)
                .path
        ).auth
    }

    let hash = ServerConfigTests.hash

    @Test func tokensWithoutRolesDriveAndViewAsBefore() throws {
        let auth = try load(
            #"{"tokens":[{"sha256":"\#(hash)","robots":["sts-pi"]},"#
                + #"{"sha256":"\#(hash)","robots":["sts-pi"],"roles":["produce"]}]}"#)
        #expect(auth.tokens.map(\.roles) == [[.drive, .view], [.produce]])
    }

    @Test func jwtScopesTakeAListOrRobotsAndRoles() throws {
        let auth = try load(
            #"{"jwt":{"jwksUrl":"https://id.example/jwks","issuer":"i","audience":"a","scopes":{"#
                + #""robot:drive":["*"],"robot:produce:sts-pi":{"robots":["sts-pi"],"roles":["produce"]}}}}"#)
        let scopes = try #require(auth.jwt?.scopes)
        #expect(scopes["robot:drive"] == .init(robots: .all, roles: [.drive, .view]))
        #expect(scopes["robot:produce:sts-pi"] == .init(robots: .some(["sts-pi"]), roles: [.produce]))
    }

    @Test func defaultJWTScopes() throws {
        let auth = try load(#"{"jwt":{"jwksUrl":"https://id.example/jwks","issuer":"i","audience":"a"}}"#)
        let scopes = try #require(auth.jwt?.scopes)
        #expect(scopes["robot:drive"] == .init(robots: .all))
        #expect(scopes["robot:drive:rover"] == .init(robots: .some(["rover"])))
        #expect(scopes["robot:produce:sts-pi"] == .init(robots: .some(["sts-pi"]), roles: [.produce]))
        #expect(scopes["robot:view"] == .init(robots: .all, roles: [.view]))
        #expect(scopes["robot:admin"] == .init(robots: .all, roles: [.admin]))
    }

    @Test(arguments: [
        (
            #"{"tokens":[{"sha256":"H","robots":["*"]},{"sha256":"H","robots":["*"],"roles":["drive","pilot"]}]}"#,
            #"auth.tokens[1].roles[1]: unknown role "pilot"; expected drive, view, produce, admin"#
        ),
        (
            #"{"tokens":[{"sha256":"H","robots":["*"],"roles":[]}]}"#,
            "auth.tokens[0].roles: must list at least one role"
        ),
        (#"{"tokens":[{"sha256":"H","robots":["*"],"roles":"drive"}]}"#, "auth.tokens[0].roles: must be an array"),
        (
            #"{"tokens":[{"sha256":"REPLACE-WITH-robot-server-new-token","robots":["*"]}]}"#,
            "auth.tokens[0].sha256: is a placeholder: run robot-server new-token and paste the line it prints"
        ),
        (
            #"{"jwt":{"jwksUrl":"https://x/j","issuer":"i","audience":"a","scopes":{"s":{"robots":["*"]}}}}"#,
            "auth.jwt.scopes.s.roles: is required"
        ),
        (
            #"{"jwt":{"jwksUrl":"https://x/j","issuer":"i","audience":"a","#
                + #""scopes":{"s":{"robots":["r2"],"roles":["view"]}}}}"#,
            #"auth.jwt.scopes.s.robots[0]: unknown robot "r2""#
        ),
        (
            #"{"jwt":{"jwksUrl":"https://x/j","issuer":"i","audience":"a","#
                + #""scopes":{"s":{"robots":["*"],"roles":["x"]}}}}"#,
            #"auth.jwt.scopes.s.roles[0]: unknown role "x""#
        ),
    ])
    func badRolesNameTheKeyPath(auth: String, message: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load(auth.replacingOccurrences(of: "\"H\"", with: "\"\(hash)\""))
        }
        #expect("\(error)".contains(message), "\(error)")
    }
}
