public import Basics
public import DriveProtocol
public import Foundation
import Logging
import MQTT

/// A real robotd (the built binary, simulated motors) on a real TLS broker, watched by an operator client
/// subscribed to its telemetry.
public final class RobotdHarness: Sendable {
    public let pki: TestPKI
    public let broker: MosquittoBroker
    public let operatorClient: MQTTRecorder
    public let configFile: URL
    public let process: ChildProcess
    public let thing = "sts-pi"

    private init(
        pki: TestPKI, broker: MosquittoBroker, operatorClient: MQTTRecorder, configFile: URL, process: ChildProcess
    ) {
        self.pki = pki
        self.broker = broker
        self.operatorClient = operatorClient
        self.configFile = configFile
        self.process = process
    }

    /// Starts broker, operator and robotd, and waits for robotd's `online` telemetry.
    /// - Parameters:
    ///   - sections: JSON members added to the config (e.g. `"credentials":{…},"video":{…}`); without a `video`
    ///     member, video is off.
    ///   - environment: variables for robotd's environment (its video producer inherits them).
    ///   - beforeStart: runs once the broker and the operator are up, before robotd starts (e.g. to leave a
    ///     retained message on the broker).
    public static func start(
        motors: String = #"{"driver":"simulated"}"#, heartbeatSeconds: Int = 0, sections: String = "",
        environment: [String: String] = [:],
        beforeStart: @Sendable (MQTTRecorder) async throws -> Void = { _ in }
    ) async throws -> RobotdHarness {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)
        let operatorClient = MQTTRecorder(
            try MQTTClient(
                options: .local(
                    "operator", pki: pki, port: broker.port, subscriptions: [.init("sts-pi/telemetry", qos: 1)]),
                logger: Logger(label: "operator")))
        try await operatorClient.waitUntilSubscribed()
        try await beforeStart(operatorClient)
        let configFile = try writeConfig(
            pki: pki, port: broker.port, motors: motors, heartbeatSeconds: heartbeatSeconds, sections: sections)
        let process = try startRobotd(config: configFile, environment: environment)
        let harness = RobotdHarness(
            pki: pki, broker: broker, operatorClient: operatorClient, configFile: configFile, process: process)
        try await harness.waitForTelemetry("online") { $0.event == .online }
        return harness
    }

    /// A robotd config in a scratch folder with the PKI linked as `pki/`; `endpoint` is the broker's host name or
    /// address (`localhost` by default). Its `stateDirectory` is `state/` beside it unless `sections` sets one: a
    /// test's emergency-stop latch never reaches another test (nor `/var/lib/robot`), and a robotd restarted on
    /// the same file finds it.
    public static func writeConfig(
        pki: TestPKI, port: UInt16, motors: String, heartbeatSeconds: Int, sections: String = "",
        endpoint: String = "localhost"
    ) throws -> URL {
        let folder = try ScratchDirectory.make("robotd")
        // Relative certificate paths resolve against the config's folder, as on a robot.
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let config = """
            {"thingName":"sts-pi",
             "mqtt":{"endpoint":"\(endpoint)","port":\(port),"caFile":"pki/ca.crt","certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key"},
             "motors":\(motors),
             \(sections.contains(#""stateDirectory""#) ? "" : #""stateDirectory":"state","#)
             \(sections.contains(#""video""#) ? "" : #""video":{"enabled":false},"#)\(sections.isEmpty ? "" : "\(sections),")
             "telemetry":{"heartbeatSeconds":\(heartbeatSeconds)}}
            """
        let file = folder.appending(path: "config.json")
        try config.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs the built robotd on `config`, through `commandPrefix` if given (`ip netns exec …`).
    public static func startRobotd(
        config: URL, logLevel: String = "debug", environment: [String: String] = [:], commandPrefix: [String] = []
    ) throws -> ChildProcess {
        let command =
            commandPrefix + [
                try RepositoryPaths.product("robotd").path, "run", "--config", config.path, "--log-level", logLevel,
            ]
        return try ChildProcess.start(command[0], Array(command.dropFirst()), environment: environment)
    }

    /// Publishes a drive command as the operator (QoS 1, acknowledged by the broker).
    public func send(_ json: String) async throws {
        try await send(bytes: Array(json.utf8))
    }

    public func send(bytes: [UInt8]) async throws {
        try await operatorClient.client.publishAndWait(topic: "sts-pi/action", payload: bytes, qos: 1)
    }

    /// Every telemetry message received so far, parsed.
    public var telemetry: [Telemetry] {
        operatorClient.messages.filter { $0.topic == "sts-pi/telemetry" }.compactMap {
            try? Telemetry(from: $0.payload)
        }
    }

    @discardableResult
    public func waitForTelemetry(
        _ description: String, timeout: Duration = .seconds(5), where match: @Sendable @escaping (Telemetry) -> Bool
    ) async throws -> Telemetry {
        let message = try await operatorClient.message(timeout: timeout, "telemetry \(description)") { message in
            guard message.topic == "sts-pi/telemetry", let telemetry = try? Telemetry(from: message.payload) else {
                return false
            }
            return match(telemetry)
        }
        return try Telemetry(from: message.payload)
    }

    public func stop() async {
        _ = try? await process.terminate()
        await operatorClient.client.disconnect()
    }
}

extension Timestamp {
    /// Milliseconds from `earlier` to `self`.
    public func milliseconds(since earlier: Timestamp) -> Double {
        Double(nanosecondsSinceEpoch - earlier.nanosecondsSinceEpoch) / 1e6
    }
}
