import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import MQTT
import NIOCore
import NIOHTTP1
import StrictJSON
import TestSupport

/// The built `robot-server` on a real TLS mosquitto, with static tokens and an `admin` MQTT client (which may
/// publish anything, e.g. a robot's telemetry). Optionally the built `robotd` (simulated motors) as `sts-pi`.
final class SignalingServer: Sendable {
    /// May drive (and so watch) `sts-pi` only.
    static let homeToken = "home-token-0d9c8b7a6f5e4d3c"
    /// May drive every robot.
    static let fleetToken = "fleet-token-1a2b3c4d5e6f7a8b"

    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static var tokensAuth: String {
        #"{"tokens":[{"sha256":"\#(sha256(homeToken))","robots":["sts-pi"],"name":"home"},"#
            + #"{"sha256":"\#(sha256(fleetToken))","robots":["*"],"name":"fleet"}]}"#
    }

    let robot: RobotdHarness?
    let broker: MosquittoBroker
    let pki: TestPKI
    let admin: MQTTRecorder
    let server: ChildProcess
    let port: UInt16

    private init(
        robot: RobotdHarness?, broker: MosquittoBroker, pki: TestPKI, admin: MQTTRecorder, server: ChildProcess,
        port: UInt16
    ) {
        self.robot = robot
        self.broker = broker
        self.pki = pki
        self.admin = admin
        self.server = server
        self.port = port
    }

    /// Starts everything and waits until robot-server listens and is connected to the broker.
    /// - Parameters:
    ///   - robot: a running robotd to use (its broker and PKI), or nil for a broker of our own.
    ///   - video: the `video` section (JSON), or empty for the defaults.
    static func start(robot: RobotdHarness? = nil, video: String = "") async throws -> SignalingServer {
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
            try config(port: port, brokerPort: broker.port, video: video)
                .write(to: configFile, atomically: true, encoding: .utf8)
            let server = try ChildProcess.start(
                try RepositoryPaths.product("robot-server").path,
                ["--config", configFile.path, "--log-level", "debug"])
            do {
                try await server.waitUntilOutput(contains: "robot-server listening", timeout: .seconds(20))
                try await server.waitUntilOutput(contains: "connected to the MQTT broker", timeout: .seconds(10))
                return SignalingServer(robot: robot, broker: broker, pki: pki, admin: admin, server: server, port: port)
            } catch {
                _ = try? await server.kill()
                guard server.output(.any).contains("Address already in use"), attempt < 5 else { throw error }
            }
        }
    }

    static func config(port: UInt16, brokerPort: UInt16, video: String) -> String {
        """
        {"listen":{"host":"127.0.0.1","port":\(port)},
         "mqtt":{"endpoint":"localhost","port":\(brokerPort),"caFile":"pki/ca.crt",
                 "certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key","clientId":"robot-server",
                 "reconnectInitialMs":50,"reconnectMaxMs":250,"connectTimeoutSeconds":3},
         "robots":["sts-pi","rover"],"defaultRobot":"sts-pi",
         "auth":\(tokensAuth)\(video.isEmpty ? "" : ",\n \"video\":\(video)")}
        """
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The signaling URL of `thing`, with a query (`role=…&token=…`) if given.
    func signalURL(_ thing: String = "sts-pi", query: String = "") -> String {
        "ws://127.0.0.1:\(port)/robots/\(thing)/signal" + (query.isEmpty ? "" : "?\(query)")
    }

    /// Connects a signaling client as `role` with a bearer header.
    func connect(_ role: String, thing: String = "sts-pi", token: String = homeToken) async throws -> SignalClient {
        try await SignalClient.connect(
            url: signalURL(thing, query: "role=\(role)"), bearer: token,
            label: role)
    }

    /// Publishes `payload` on `topic` as the broker's superuser (e.g. a robot's telemetry).
    func publishAsAdmin(_ topic: String, _ payload: String) async throws {
        try await admin.client.publishAndWait(topic: topic, payload: Array(payload.utf8), qos: 1)
    }

    func stop() async {
        _ = try? await server.terminate()
        await admin.client.disconnect()
    }
}

/// One real HTTP exchange with AsyncHTTPClient, e.g. a WebSocket upgrade request that must be refused.
struct HTTPExchange: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: JSONValue? { try? JSONParser.parse(body) }
    var description: String { "\(status) \(body)" }

    /// A GET of `url` (a `ws://` URL is requested as `http://`, as a browser opening a WebSocket does).
    static func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url.hasPrefix("ws://") ? "http://" + url.dropFirst(5) : url)
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return HTTPExchange(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// The headers a browser sends to open a WebSocket.
    static let upgradeHeaders = [
        ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]
}
