import Crypto
import DriveProtocol
import Foundation
import Logging
import MQTT
import NIOHTTP1
import TestSupport
import Testing

/// The whole path on real parts: a TLS mosquitto, the built `robotd` (simulated motors) as `sts-pi`, the
/// built `robot-server` driving it, and an `admin` client subscribed to `#` that sees every publish.
final class ServerHarness: Sendable {
    /// Drives `sts-pi` only.
    static let homeToken = "home-token-5f1e0c2a9b7d4e3f"
    /// Drives every robot.
    static let fleetToken = "fleet-token-8c3b1a7e6d5f4a2b"

    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Static tokens: `home` for sts-pi, `fleet` for every robot.
    static var staticTokensAuth: String {
        #"{"tokens":[{"sha256":"\#(sha256(homeToken))","robots":["sts-pi"],"name":"home"},"#
            + #"{"sha256":"\#(sha256(fleetToken))","robots":["*"],"name":"fleet"}]}"#
    }

    let robot: RobotdHarness?
    let broker: MosquittoBroker
    let pki: TestPKI
    let admin: MQTTRecorder
    let server: ChildProcess
    let port: UInt16
    let configFile: URL

    private init(
        robot: RobotdHarness?, broker: MosquittoBroker, pki: TestPKI, admin: MQTTRecorder, server: ChildProcess,
        port: UInt16, configFile: URL
    ) {
        self.robot = robot
        self.broker = broker
        self.pki = pki
        self.admin = admin
        self.server = server
        self.port = port
        self.configFile = configFile
    }

    /// Starts everything and waits until robot-server listens and is connected to the broker.
    /// - Parameters:
    ///   - robotd: run the real robotd as `sts-pi` (else only the broker and robot-server).
    ///   - auth: the `auth` section (JSON); static `home` and `fleet` tokens by default.
    ///   - extra: more top-level keys, e.g. `"cors": {…}` (JSON members, no braces).
    static func start(
        robotd: Bool = true, auth: String = staticTokensAuth, extra: String = "", publishTimeoutMs: Int = 2000
    ) async throws -> ServerHarness {
        let robot = robotd ? try await RobotdHarness.start() : nil
        let pki = try robot?.pki ?? TestPKI.make()
        let broker: MosquittoBroker
        if let robot { broker = robot.broker } else { broker = try await MosquittoBroker.start(pki: pki) }
        let admin = MQTTRecorder(
            try MQTTClient(
                options: .local("admin", pki: pki, port: broker.port, subscriptions: [.init("#", qos: 1)]),
                logger: Logger(label: "admin")))
        try await admin.waitUntilSubscribed()
        var attempt = 0
        while true {
            attempt += 1
            let port = try FreePort.next()
            let folder = try ScratchDirectory.make("robot-server")
            try FileManager.default.createSymbolicLink(
                at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
            let configFile = folder.appending(path: "server.json")
            try config(
                port: port, brokerPort: broker.port, auth: auth, extra: extra, publishTimeoutMs: publishTimeoutMs
            )
            .write(to: configFile, atomically: true, encoding: .utf8)
            let server = try startServer(config: configFile)
            do {
                try await server.waitUntilOutput(contains: "robot-server listening", timeout: .seconds(20))
                try await server.waitUntilOutput(contains: "connected to the MQTT broker", timeout: .seconds(10))
                return ServerHarness(
                    robot: robot, broker: broker, pki: pki, admin: admin, server: server, port: port,
                    configFile: configFile)
            } catch {
                _ = try? await server.kill()
                guard server.output(.any).contains("Address already in use"), attempt < 5 else { throw error }
            }
        }
    }

    static func config(port: UInt16, brokerPort: UInt16, auth: String, extra: String, publishTimeoutMs: Int) -> String {
        """
        {"listen":{"host":"127.0.0.1","port":\(port)},
         "mqtt":{"endpoint":"localhost","port":\(brokerPort),"caFile":"pki/ca.crt",
                 "certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key","clientId":"robot-server",
                 "reconnectInitialMs":50,"reconnectMaxMs":250,"connectTimeoutSeconds":3,"publishTimeoutMs":\(publishTimeoutMs)},
         "robots":["sts-pi","rover"],"defaultRobot":"sts-pi",
         "auth":\(auth)\(extra.isEmpty ? "" : ",\n \(extra)")}
        """
    }

    static func startServer(config: URL) throws -> ChildProcess {
        try ChildProcess.start(
            try RepositoryPaths.product("robot-server").path, ["--config", config.path, "--log-level", "debug"])
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A POST of `body` to `path` with a bearer token and a content type (nil leaves the header out).
    func post(
        _ path: String = "/publish", _ body: String, token: String? = homeToken,
        contentType: String? = "application/json", headers: [(String, String)] = []
    ) async throws -> HTTPAnswer {
        var fields = headers
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if let contentType { fields.append(("Content-Type", contentType)) }
        return try await HTTPAnswer.send(.POST, baseURL + path, body: Array(body.utf8), headers: fields)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(.GET, baseURL + path, headers: headers)
    }

    /// Every message the admin client saw on a `<thing>/action` topic, after record `index`.
    func actions(after index: Int = 0) -> [MQTTMessage] {
        admin.all.dropFirst(index).compactMap { record in
            if case .message(let message) = record.event, message.topic.hasSuffix("/action") { return message }
            return nil
        }
    }

    func stop() async {
        _ = try? await server.terminate()
        await admin.client.disconnect()
        await robot?.stop()
    }
}
