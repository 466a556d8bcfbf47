import Foundation
import StrictJSON
import TestSupport

extension NATStack {
    /// coturn on 203.0.113.10:3478 (UDP and TCP) with a fresh REST API secret, and that secret's file (0600) for
    /// robot-server's `video.turn.secretFile`.
    static func startCoturn(in topology: NATTopology) async throws -> (secret: Coturn, file: URL) {
        let secret = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        let file = try ScratchDirectory.make("turn-secret").appending(path: "secret")
        guard
            FileManager.default.createFile(
                atPath: file.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else { throw TestSupportError("cannot write the TURN secret to \(file.path)") }
        let coturn = try await Coturn.start(
            secret: secret, listeningIP: NATTopology.serverAddress, port: turnPort,
            commandPrefix: topology.prefix(.inet))
        return (coturn, file)
    }

    /// robot-server on 203.0.113.10:8080 in inet, on the broker's loopback listener there; `video.turn` with the
    /// coturn's URLs (UDP and TCP) and secret when there is one, else no ICE servers at all.
    static func startServer(
        in topology: NATTopology, pki: TestPKI, brokerPort: UInt16, turn: (secret: Coturn, file: URL)?
    ) async throws -> ChildProcess {
        let folder = try ScratchDirectory.make("robot-server")
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        var video = ""
        if let turn {
            let section = JSONValue.object(
                JSONObject([
                    ("urls", .array(turn.secret.urls.map(JSONValue.string))), ("secretFile", .string(turn.file.path)),
                    ("ttlSeconds", 3600),
                ]))
            video = #""video":{"turn":"# + section.serializedString() + "}"
        }
        let configFile = folder.appending(path: "server.json")
        try RobotServerProcess.config(
            port: serverPort, brokerPort: brokerPort, auth: RobotServerProcess.staticTokensAuth, mqtt: "",
            extra: video, host: NATTopology.serverAddress
        ).write(to: configFile, atomically: true, encoding: .utf8)
        let server = try RobotServerProcess.startServer(config: configFile, commandPrefix: topology.prefix(.inet))
        do {
            try await server.waitUntilOutput(contains: "robot-server listening", timeout: .seconds(20))
            try await server.waitUntilOutput(contains: "connected to the MQTT broker", timeout: .seconds(10))
        } catch {
            _ = try? await server.kill()
            throw error
        }
        return server
    }

    /// robotd in home (simulated motors, info log: the producer's lines show) on the broker's public listener,
    /// running robot-webrtc against robot-server's public address. Returns it and the producer's command line.
    static func startRobotd(
        in topology: NATTopology, pki: TestPKI, producerArguments: [String], sections: String?
    ) throws -> (ChildProcess, [String]) {
        let tokenFile = try ScratchDirectory.make("producer").appending(path: "token")
        try RobotServerProcess.producerToken.write(to: tokenFile, atomically: true, encoding: .utf8)
        let command =
            [
                try RepositoryPaths.product("robot-webrtc").path, "--server",
                "ws://\(NATTopology.serverAddress):\(serverPort)", "--thing", "{thingName}", "--token-file",
                tokenFile.path, "--source", "clock", "--width", "640", "--height", "480", "--fps", "30",
                "--audio-source", "test", "--reconnect-initial-ms", "200", "--reconnect-max-ms", "2000",
            ] + producerArguments
        let video = JSONValue.object(
            JSONObject([
                ("enabled", true), ("command", .array(command.map(JSONValue.string))), ("restartInitialMs", 500),
                ("restartMaxMs", 5000),
            ]))
        let config = try RobotdHarness.writeConfig(
            pki: pki, port: mqttPort, motors: #"{"driver":"simulated"}"#, heartbeatSeconds: 0,
            sections: #""video":"# + video.serializedString() + (sections.map { ",\($0)" } ?? ""),
            endpoint: NATTopology.serverAddress)
        let robotd = try RobotdHarness.startRobotd(
            config: config, logLevel: "info", commandPrefix: topology.prefix(.home))
        return (robotd, command.map { $0 == tokenFile.path ? "TOKEN_FILE" : $0 })
    }
}
