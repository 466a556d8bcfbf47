import Crypto
public import Foundation
import Logging
import MQTT

/// The built `robot-server` on a real TLS mosquitto, with static tokens and an `admin` MQTT client subscribed to
/// `#` that sees every publish (and may publish anything, e.g. a robot's telemetry); optionally beside the built
/// `robotd` (simulated motors) as `sts-pi`. The REST API's and the video tests' harnesses build on it.
public final class RobotServerProcess: Sendable {
    /// May drive and watch `sts-pi` only (no `roles` in the config: the defaults, drive and view).
    public static let homeToken = "home-token-5f1e0c2a9b7d4e3f"
    /// Every role (drive, view, produce, admin) on every robot.
    public static let fleetToken = "fleet-token-8c3b1a7e6d5f4a2b"
    /// `sts-pi`'s video producer: the `produce` role on `sts-pi` only, as run-local.sh and install.sh give it.
    public static let producerToken = "producer-token-3d9a6c1f0e2b7a54"
    /// May only watch `sts-pi` (the `view` role).
    public static let viewerToken = "viewer-token-71c4e8a02f6b9d35"

    /// The hex SHA-256 of a token, as `auth.tokens[].sha256` wants it.
    public static func sha256(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Static tokens: `home` (drive, view) for sts-pi, `fleet` (every role) for every robot, `video-producer`
    /// (produce) and `viewer` (view) for sts-pi.
    public static var staticTokensAuth: String {
        #"{"tokens":[{"sha256":"\#(sha256(homeToken))","robots":["sts-pi"],"name":"home"},"#
            + #"{"sha256":"\#(sha256(fleetToken))","robots":["*"],"name":"fleet","#
            + #""roles":["drive","view","produce","admin"]},"#
            + #"{"sha256":"\#(sha256(producerToken))","robots":["sts-pi"],"name":"video-producer","#
            + #""roles":["produce"]},"#
            + #"{"sha256":"\#(sha256(viewerToken))","robots":["sts-pi"],"name":"viewer","roles":["view"]}]}"#
    }

    public let robot: RobotdHarness?
    public let broker: MosquittoBroker
    public let pki: TestPKI
    public let admin: MQTTRecorder
    public let server: ChildProcess
    public let port: UInt16
    public let configFile: URL
    /// Whether ``stop()`` also stops `robot` (it was started for this server).
    private let stopsRobot: Bool

    private init(
        robot: RobotdHarness?, broker: MosquittoBroker, pki: TestPKI, admin: MQTTRecorder, server: ChildProcess,
        port: UInt16, configFile: URL, stopsRobot: Bool
    ) {
        self.robot = robot
        self.broker = broker
        self.pki = pki
        self.admin = admin
        self.server = server
        self.port = port
        self.configFile = configFile
        self.stopsRobot = stopsRobot
    }

    /// Starts everything and waits until robot-server listens and is connected to the broker.
    /// - Parameters:
    ///   - robot: a running robotd to use (its broker and PKI), or nil for a broker of our own.
    ///   - stopsRobot: ``stop()`` stops `robot` too.
    ///   - auth: the `auth` section (JSON); static `home` and `fleet` tokens by default.
    ///   - mqtt: more members of the `mqtt` section (JSON members, no braces), e.g. `"publishTimeoutMs":2000`.
    ///   - extra: more top-level keys, e.g. `"cors": {…}` (JSON members, no braces).
    ///   - listen: more members of the `listen` section, e.g. `"maxConnections":100`.
    public static func launch(
        robot: RobotdHarness?, stopsRobot: Bool = false, auth: String = staticTokensAuth, mqtt: String = "",
        extra: String = "", listen: String = ""
    ) async throws -> RobotServerProcess {
        let pki = try robot?.pki ?? TestPKI.make()
        let broker: MosquittoBroker
        if let robot { broker = robot.broker } else { broker = try await MosquittoBroker.start(pki: pki) }
        let admin = MQTTRecorder(
            try MQTTClient(
                options: .local("admin", pki: pki, port: broker.port, subscriptions: [.init("#", qos: 1)]),
                logger: Logger(label: "admin")))
        try await admin.waitUntilSubscribed()
        let (server, port, configFile) = try await startListening(pki: pki) { port in
            config(port: port, brokerPort: broker.port, auth: auth, mqtt: mqtt, extra: extra, listen: listen)
        }
        return RobotServerProcess(
            robot: robot, broker: broker, pki: pki, admin: admin, server: server, port: port, configFile: configFile,
            stopsRobot: stopsRobot)
    }

    /// Writes the config `config(port)` makes for a free port into a scratch folder named `folder` (the PKI linked as
    /// `pki/` beside it), runs the built robot-server on it and waits until it listens and is connected to the
    /// broker; another port if the first was taken meanwhile.
    public static func startListening(
        folder name: String = "robot-server", pki: TestPKI, config: (UInt16) -> String
    ) async throws -> (server: ChildProcess, port: UInt16, configFile: URL) {
        var attempt = 0
        while true {
            attempt += 1
            let port = try FreePort.next()
            let folder = try ScratchDirectory.make(name)
            try FileManager.default.createSymbolicLink(
                at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
            let configFile = folder.appending(path: "server.json")
            try config(port).write(to: configFile, atomically: true, encoding: .utf8)
            let server = try startServer(config: configFile)
            do {
                try await server.waitUntilOutput(contains: "robot-server listening", timeout: .seconds(20))
                try await server.waitUntilOutput(contains: "connected to the MQTT broker", timeout: .seconds(10))
                return (server, port, configFile)
            } catch {
                _ = try? await server.kill()
                guard server.output(.any).contains("Address already in use"), attempt < 5 else { throw error }
            }
        }
    }

    /// A robot-server config for robots `sts-pi` (the default) and `rover` on the broker at `brokerPort`, with the
    /// PKI linked as `pki/` beside it; listening on `host` (127.0.0.1 by default). `clientId` nil leaves the key out
    /// (with a `cluster` section each instance then connects as `robot-server-<instanceId>`).
    public static func config(
        port: UInt16, brokerPort: UInt16, auth: String, mqtt: String, extra: String, listen: String = "",
        host: String = "127.0.0.1", clientId: String? = "robot-server"
    ) -> String {
        """
        {"listen":{"host":"\(host)","port":\(port)\(listen.isEmpty ? "" : ",\(listen)")},
         "mqtt":{"endpoint":"localhost","port":\(brokerPort),"caFile":"pki/ca.crt",
                 "certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key",\(clientId.map { #""clientId":"\#($0)","# } ?? "")
                 "reconnectInitialMs":50,"reconnectMaxMs":250,"connectTimeoutSeconds":3\(mqtt.isEmpty ? "" : ",\(mqtt)")},
         "robots":["sts-pi","rover"],"defaultRobot":"sts-pi",
         "auth":\(auth)\(extra.isEmpty ? "" : ",\n \(extra)")}
        """
    }

    /// Runs the built robot-server on `config` (debug log), through `commandPrefix` if given (`ip netns exec …`).
    public static func startServer(config: URL, commandPrefix: [String] = []) throws -> ChildProcess {
        let command =
            commandPrefix + [
                try RepositoryPaths.product("robot-server").path, "--config", config.path, "--log-level", "debug",
            ]
        return try ChildProcess.start(command[0], Array(command.dropFirst()))
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Publishes `payload` on `topic` as the broker's superuser (e.g. a robot's telemetry).
    public func publishAsAdmin(_ topic: String, _ payload: String) async throws {
        try await admin.client.publishAndWait(topic: topic, payload: Array(payload.utf8), qos: 1)
    }

    /// Stops robot-server and the admin client, and the robot when it was started for this server.
    public func stop() async {
        _ = try? await server.terminate()
        await admin.client.disconnect()
        if stopsRobot { await robot?.stop() }
    }
}
