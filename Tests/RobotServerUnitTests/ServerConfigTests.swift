import Foundation
import JSONConfig
@testable import RobotServer
import StrictJSON
import TestSupport
import Testing

/// robot-server's configuration: defaults, every key, and errors that name the key.
@Suite struct ServerConfigTests {
    func load(_ text: String) throws -> ServerConfig {
        try ServerConfig.load(path: PlaceholderFiles.config(text).path)
    }

    static let mqtt =
        #""mqtt":{"endpoint":"localhost","caFile":"pki/ca.crt","certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key"}"#
    static let hash = String(repeating: "ab", count: 32)

    @Test func aMinimalConfigGetsTheDefaults() throws {
        let config = try load(
            #"{\#(Self.mqtt),"robots":["sts-pi"],"auth":{"tokens":[{"sha256":"\#(Self.hash)","robots":["*"]}]}}"#)
        #expect(config.listen == .init(host: "127.0.0.1", port: 8080))
        #expect(config.defaultRobot == "sts-pi")
        #expect(config.mqtt.clientID == "robot-server" && config.mqtt.publishTimeoutMs == 2000)
        #expect(config.mqtt.settings.port == 8883)
        #expect(
            config.auth.tokens == [.init(sha256: Array(repeating: 0xAB, count: 32), robots: .all, name: "token[0]")])
        #expect(config.cors.allowedOrigins.isEmpty)
        #expect(config.control.idleSeconds == 30)
        #expect(config.unknownKeys.isEmpty)
    }

    @Test func theControlSectionSetsTheLeasesIdleTime() throws {
        let config = try load(
            #"{\#(Self.mqtt),"robots":["a"],"auth":{"disabled":true},"control":{"idleSeconds":5,"idle":1}}"#)
        #expect(config.control.idleSeconds == 5)
        #expect(config.unknownKeys == ["control.idle"])
    }

    @Test func unknownKeysAreListedNotFatal() throws {
        let config = try load(
            #"{\#(Self.mqtt),"robots":["sts-pi"],"auth":{"disabled":true},"fleet":{"rules":[]},"listen":{"prot":1}}"#)
        #expect(config.unknownKeys.sorted() == ["fleet", "listen.prot"])
        #expect(config.auth.disabled)
    }

    @Test func jwtScopesDefaultToDriveAllAndPerRobot() throws {
        let config = try load(
            #"{\#(Self.mqtt),"robots":["sts-pi","rover"],"defaultRobot":"rover","#
                + #""auth":{"jwt":{"jwksUrl":"https://id.example/jwks","issuer":"i","audience":"a"}}}"#)
        let jwt = try #require(config.auth.jwt)
        #expect(jwt.keys == .url("https://id.example/jwks"))
        #expect(jwt.scopes["robot:drive"] == .init(robots: .all, roles: [.drive, .view]))
        #expect(jwt.scopes["robot:drive:rover"] == .init(robots: .some(["rover"]), roles: [.drive, .view]))
        #expect(config.defaultRobot == "rover")
    }

    @Test(arguments: [
        (
            #""robots":["sts-pi"],"auth":{"tokens":[{"sha256":"abc","robots":["*"]}]}"#,
            "auth.tokens[0].sha256: must be 64 hex digits"
        ),
        (
            #""robots":["sts-pi"],"auth":{"tokens":[{"sha256":"\#(ServerConfigTests.hash)","robots":["r2"]}]}"#,
            #"auth.tokens[0].robots[0]: unknown robot "r2"; configured robots: sts-pi"#
        ),
        (
            #""robots":["sts-pi"],"auth":{"tokens":[{"sha256":"\#(ServerConfigTests.hash)"}]}"#,
            "auth.tokens[0].robots: is required"
        ),
        (#""robots":["sts-pi"],"auth":{"tokens":["x"]}"#, "auth.tokens[0]: must be an object"),
        (#""robots":["sts-pi"]"#, "auth: is required"),
        (#""robots":["sts-pi"],"auth":{}"#, "auth: configure tokens or jwt"),
        (
            #""robots":["sts-pi"],"auth":{"disabled":true,"tokens":[{"sha256":"\#(ServerConfigTests.hash)","robots":["*"]}]}"#,
            "auth.disabled: cannot be true together with tokens or jwt"
        ),
        (#""robots":[],"auth":{"disabled":true}"#, "robots: is required"),
        (#""robots":["a/b"],"auth":{"disabled":true}"#, #"robots[0]: "a/b" is not a valid thing name"#),
        (#""robots":["a","a"],"auth":{"disabled":true}"#, #"robots[1]: "a" is listed twice"#),
        (#""robots":["a"],"defaultRobot":"b","auth":{"disabled":true}"#, #"defaultRobot: "b" is not in robots (a)"#),
        (#""robots":["a"],"auth":{"disabled":true},"listen":{"port":0}"#, "listen.port: must be between 1 and 65535"),
        (
            #""robots":["a"],"auth":{"jwt":{"jwksUrl":"http://x/jwks","issuer":"i","audience":"a"}}"#,
            "auth.jwt.jwksUrl: must be an https:// URL"
        ),
        (#""robots":["a"],"auth":{"jwt":{"issuer":"i","audience":"a"}}"#, "auth.jwt: needs jwksFile or jwksUrl"),
        (
            #""robots":["a"],"auth":{"jwt":{"jwksFile":"missing.json","issuer":"i","audience":"a"}}"#,
            "auth.jwt.jwksFile: cannot read"
        ),
        (#""robots":["a"],"auth":{"jwt":{"jwksUrl":"https://x/j","audience":"a"}}"#, "auth.jwt.issuer: is required"),
        (
            #""robots":["a"],"auth":{"jwt":{"jwksUrl":"https://x/j","issuer":"i","audience":"a","scopes":{"robot:drive":["b"]}}}"#,
            #"auth.jwt.scopes.robot:drive[0]: unknown robot "b""#
        ),
        (
            #""robots":["a"],"auth":{"disabled":true},"cors":{"allowedOrigins":["https://a.test/app"]}"#,
            #"cors.allowedOrigins[0]: "https://a.test/app" is not an origin"#
        ),
        (#""robots":["a"],"auth":{"disabled":true},"control":{"idleSeconds":4}"#, "control.idleSeconds: must be between 5 and 3600"),
        (#""robots":["a"],"auth":{"disabled":true},"control":{"idleSeconds":"30"}"#, "control.idleSeconds: must be"),
        (#""robots":["a"],"auth":{"disabled":true},"control":30"#, "control: must be an object"),
    ])
    func badConfigNamesTheKey(members: String, message: String) throws {
        let error = try #require(throws: ConfigError.self) { try load("{\(Self.mqtt),\(members)}") }
        #expect(error.description.hasPrefix(message), "\(error)")
    }

    @Test func theMQTTSectionIsRobotdsPlusTheServersKeys() throws {
        let error = try #require(throws: ConfigError.self) {
            try load(
                #"{"mqtt":{"endpoint":"localhost","caFile":"pki/none.crt"},"robots":["a"],"auth":{"disabled":true}}"#)
        }
        #expect(error.description.hasPrefix("mqtt.caFile: cannot read"))
        let config = try load(
            #"{"mqtt":{"endpoint":"b","port":8884,"caFile":"pki/ca.crt","certFile":"pki/admin.crt","keyFile":"pki/admin.key","#
                + #""clientId":"srv-1","publishTimeoutMs":500,"keepAliveSeconds":60},"robots":["a"],"auth":{"disabled":true}}"#
        )
        #expect(config.mqtt.clientID == "srv-1" && config.mqtt.publishTimeoutMs == 500)
        #expect(config.mqtt.settings.port == 8884 && config.mqtt.settings.keepAliveSeconds == 60)
        #expect(config.mqtt.settings.caFile.hasSuffix("/pki/ca.crt"))
    }

    @Test func theExampleConfigParsesApartFromItsFiles() throws {
        let example = RepositoryPaths.root.appending(path: "server.json.example")
        var text = try String(contentsOf: example, encoding: .utf8)
        // Point the example's files at the test PKI; everything else is as documented.
        for (from, to) in [
            ("certs/cacert.pem", "pki/ca.crt"), ("certs/robot-server.crt", "pki/robot-server.crt"),
            ("certs/robot-server.key", "pki/robot-server.key"), ("certs/idp-ca.pem", "pki/ca.crt"),
            ("certs/relay-ingestion.crt", "pki/robot-server.crt"), ("certs/relay-ingestion.key", "pki/robot-server.key"),
            ("certs/relay-partner.crt", "pki/robot-server.crt"), ("certs/relay-partner.key", "pki/robot-server.key"),
            (#""secretFile": "turn-secret""#, #""secretFile": "pki/admin.key""#),
        ] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        // Its token hashes are placeholders (TokenCommandTests: they fail the check); fill them in as a user would.
        text = text.replacingOccurrences(of: "REPLACE-WITH-robot-server-new-token", with: Self.hash)
        let config = try load(text)
        #expect(config.unknownKeys.isEmpty, "the example documents only real keys: \(config.unknownKeys)")
        #expect(config.robots == ["sts-pi", "sts-pi-2"])
        #expect(config.auth.tokens.map(\.roles) == [[.drive, .view], [.produce], [.drive, .view, .admin]])
        #expect(config.auth.jwt != nil && !config.cors.allowedOrigins.isEmpty)
        #expect(config.relay?.rules.map(\.name) == ["create-thing-hook", "private-to-sqs"])
        #expect(config.video.turn?.ttlSeconds == 86_400 && config.video.turn?.urls.count == 2)
        #expect(config.control.idleSeconds == 30)
    }
}
