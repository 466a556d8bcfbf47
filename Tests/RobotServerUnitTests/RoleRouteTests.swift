import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
@testable import RobotServer
import StrictJSON
import TestSupport
import Testing

/// The end-to-end harness's static tokens (`home`, `fleet`, `video-producer`, `viewer`), which `config` uses.
private typealias Tokens = RobotServerProcess

/// Each route asks for its role, in process (HummingbirdTesting on the application `buildApplication` makes; no
/// broker is needed, as every request here is decided before anything is published): `drive` for publishing,
/// `produce` and `view` for the two sides of signaling, `admin` on every robot for anything under `/relay`.
@Suite(.timeLimit(.minutes(1))) struct RoleRouteTests {
    /// The broker is port 1 on loopback, where nothing listens: the MQTT client never connects, and nothing
    /// here needs it.
    static let config = """
        {\(ServerConfigTests.mqtt.replacingOccurrences(of: #""localhost""#, with: #""127.0.0.1","port":1"#)),
         "robots":["sts-pi","rover"],"auth":\(Tokens.staticTokensAuth)}
        """

    /// The config with a relay: one account on the same unreachable broker, a rule to a webhook whose URL and
    /// header carry secrets.
    static func relayConfig(queue: String) -> String {
        let mqtt =
            #"{"endpoint":"127.0.0.1","port":1,"caFile":"pki/ca.crt","certFile":"pki/robot-server.crt","#
            + #""keyFile":"pki/robot-server.key","clientId":"relay-a"}"#
        return String(Self.config.dropLast(1))
            + #","relay":{"queue":{"path":"\#(queue)"},"accounts":{"a":{"accountId":"111111111111","mqtt":\#(mqtt)}},"#
            + #""rules":[{"name":"hook","source":{"account":"a","topic":"data/#"},"targets":[{"webhook":{"#
            + #""url":"https://bot:pa55@hooks.example.com/in?key=s3cret","headers":{"X-Api-Key":"k3y"}}}]}]}}"#
    }

    func withApp(relay: Bool = false, _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let folder = try ScratchDirectory.make("relay-queue")
        let text = relay ? Self.relayConfig(queue: folder.appending(path: "relay.db").path) : Self.config
        let settings = try ServerConfig.load(path: PlaceholderFiles.config(text).path)
        var logger = Logger(label: "role-routes")
        logger.logLevel = .critical
        let app = try await buildApplication(config: settings, registry: PrometheusCollectorRegistry(), logger: logger)
        try await app.test(.router) { client in try await test(client) }
    }

    func get(_ client: some TestClientProtocol, _ uri: String, token: String?) async throws -> (Int, JSONValue?) {
        let headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status.code, try? JSONParser.parse(Array(buffer: response.body)))
        }
    }

    func publish(_ client: some TestClientProtocol, token: String) async throws -> (Int, JSONValue?) {
        try await client.execute(
            uri: "/publish", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: ByteBuffer(string: #"{"action":"forward"}"#)
        ) { response in (response.status.code, try? JSONParser.parse(Array(buffer: response.body))) }
    }

    func expectForbidden(
        _ answer: (Int, JSONValue?), _ detail: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(answer.0 == 403, "\(answer)", sourceLocation: sourceLocation)
        #expect(answer.1?["error"] == "forbidden", "\(answer)", sourceLocation: sourceLocation)
        #expect(answer.1?["detail"]?.stringValue?.contains(detail) == true, "\(answer)", sourceLocation: sourceLocation)
    }

    @Test func theProducersTokenCannotDriveOrWatch() async throws {
        try await withApp { client in
            expectForbidden(
                try await publish(client, token: Tokens.producerToken),
                #"token "video-producer" lacks the "drive" role for robot "sts-pi" (it has: produce on sts-pi)"#)
            expectForbidden(
                try await get(client, "/robots/sts-pi/signal?role=viewer", token: Tokens.producerToken),
                #"lacks the "view" role for robot "sts-pi""#)
            let producing = try await get(
                client, "/robots/sts-pi/signal?role=producer", token: Tokens.producerToken)
            #expect(producing.0 == 426, "the producer may produce: \(producing)")
        }
    }

    @Test func aDriveAndViewTokenCannotProduce() async throws {
        try await withApp { client in
            expectForbidden(
                try await get(
                    client, "/robots/sts-pi/signal?role=producer&token=\(Tokens.homeToken)", token: nil),
                #"token "home" lacks the "produce" role for robot "sts-pi" (it has: drive, view on sts-pi)"#)
            let watching = try await get(client, "/robots/sts-pi/signal?role=viewer", token: Tokens.homeToken)
            #expect(watching.0 == 426, "\(watching)")
        }
    }

    @Test func aViewOnlyTokenWatchesButNeitherDrivesNorProduces() async throws {
        try await withApp { client in
            expectForbidden(try await publish(client, token: Tokens.viewerToken), #"lacks the "drive" role"#)
            expectForbidden(
                try await get(client, "/robots/sts-pi/signal?role=producer", token: Tokens.viewerToken),
                #"lacks the "produce" role"#)
            let watching = try await get(client, "/robots/sts-pi/signal", token: Tokens.viewerToken)
            #expect(watching.0 == 426, "\(watching)")
            let robots = try await get(client, "/robots", token: Tokens.viewerToken)
            #expect(robots.1?["robots"] == ["sts-pi"], "\(robots)")
        }
    }

    @Test func everythingUnderRelayNeedsAdminOnEveryRobot() async throws {
        try await withApp { client in
            for path in ["/relay/rules", "/relay/dead-letters", "/relay"] {
                let stranger = try await get(client, path, token: nil)
                #expect(stranger.0 == 401, "\(path): \(stranger)")
                expectForbidden(
                    try await get(client, path, token: Tokens.homeToken),
                    #"token "home" lacks the "admin" role for every robot ("robots": ["*"]), which /relay needs"#)
                // The admin passes the gate; no relay is configured here, so there is no such route.
                let admin = try await get(client, path, token: Tokens.fleetToken)
                #expect(admin.0 == 404, "\(path): \(admin)")
            }
            let elsewhere = try await get(client, "/relayed", token: nil)
            #expect(elsewhere.0 == 404, "only /relay and below are gated: \(elsewhere)")
        }
    }

    @Test func theRelaysRulesAreForAdminsAndShowNoWebhookSecrets() async throws {
        try await withApp(relay: true) { client in
            expectForbidden(
                try await get(client, "/relay/rules", token: Tokens.homeToken), #"lacks the "admin""#)
            let rules = try await client.execute(
                uri: "/relay/rules", method: .get, headers: [.authorization: "Bearer \(Tokens.fleetToken)"]
            ) { response in (response.status.code, String(buffer: response.body)) }
            #expect(rules.0 == 200, "\(rules)")
            #expect(rules.1.contains(#"webhook:https://***@hooks.example.com/in?*** (X-Api-Key: ***)"#), "\(rules)")
            for secret in ["pa55", "s3cret", "k3y", "bot:"] {
                #expect(!rules.1.contains(secret), "\(secret) shown: \(rules.1)")
            }
        }
    }

    @Test func thePageMayConnectOnlyToItsOwnOrigin() async throws {
        try await withApp { client in
            try await client.execute(uri: "/", method: .get) { response in
                let policy = response.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("connect-src 'self';"), "\(policy)")
                #expect(!policy.contains("ws:") && !policy.contains("wss:"), "\(policy)")
            }
        }
    }
}
