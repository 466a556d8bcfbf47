import Foundation
import NIOHTTP1
import TestSupport

/// Several built robot-servers sharing one TLS mosquitto as a cluster (`cluster.instanceId` a, b, …; `docs/SCALING.md`),
/// with the REST API's helpers per instance. The broker's ACL is `scripts/broker.sh`'s, plus the cluster topics for
/// robot-server (as SCALING.md tells operators to add).
final class ServerCluster: Sendable {
    struct Instance: Sendable {
        let id: String
        let server: ChildProcess
        let port: UInt16

        var baseURL: String { "http://127.0.0.1:\(port)" }
    }

    let pki: TestPKI
    let broker: MosquittoBroker
    let instances: [Instance]

    private init(pki: TestPKI, broker: MosquittoBroker, instances: [Instance]) {
        self.pki = pki
        self.broker = broker
        self.instances = instances
    }

    /// `scripts/broker.sh`'s default ACL with the cluster topics (default prefix) for robot-server.
    static let acl = """
        pattern read %u/action
        pattern write %u/telemetry
        user operator
        topic write +/action
        topic read +/telemetry
        user robot-server
        topic write +/action
        topic read +/telemetry
        topic readwrite robot-server/cluster/#
        user admin
        topic readwrite #
        """

    /// Starts the broker and one robot-server per id, in order, each waiting until it listens, is connected, and has
    /// heard of every instance started before it.
    /// - Parameters:
    ///   - cluster: more members of each `cluster` section, e.g. `"callTimeoutMs":500`.
    ///   - extra: more top-level keys (JSON members, no braces).
    static func start(
        _ ids: [String], auth: String = RobotServerProcess.staticTokensAuth, cluster: String = "", extra: String = ""
    ) async throws -> ServerCluster {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki, acl: acl)
        var instances: [Instance] = []
        for id in ids {
            let instance = try await launch(id, broker: broker, pki: pki, auth: auth, cluster: cluster, extra: extra)
            for earlier in instances {
                try await instance.server.waitUntilOutput(contains: "cluster: instance \(earlier.id) is online")
            }
            instances.append(instance)
        }
        return ServerCluster(pki: pki, broker: broker, instances: instances)
    }

    private static func launch(
        _ id: String, broker: MosquittoBroker, pki: TestPKI, auth: String, cluster: String, extra: String
    ) async throws -> Instance {
        var attempt = 0
        while true {
            attempt += 1
            let port = try FreePort.next()
            let folder = try ScratchDirectory.make("robot-server-\(id)")
            try FileManager.default.createSymbolicLink(
                at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
            let configFile = folder.appending(path: "server.json")
            let section = #""cluster":{"instanceId":"\#(id)"\#(cluster.isEmpty ? "" : ",\(cluster)")}"#
            // Without the fixed client id: each instance gets robot-server-<id> (one id would throw the other off).
            let config = RobotServerProcess.config(
                port: port, brokerPort: broker.port, auth: auth, mqtt: "",
                extra: extra.isEmpty ? section : "\(section),\(extra)"
            ).replacingOccurrences(of: #""clientId":"robot-server","#, with: "")
            try config.write(to: configFile, atomically: true, encoding: .utf8)
            let server = try RobotServerProcess.startServer(config: configFile)
            do {
                try await server.waitUntilOutput(contains: "robot-server listening", timeout: .seconds(20))
                try await server.waitUntilOutput(contains: "connected to the MQTT broker", timeout: .seconds(10))
                return Instance(id: id, server: server, port: port)
            } catch {
                _ = try? await server.kill()
                guard server.output(.any).contains("Address already in use"), attempt < 5 else { throw error }
            }
        }
    }

    subscript(id: String) -> Instance {
        guard let instance = instances.first(where: { $0.id == id }) else { fatalError("no instance \(id)") }
        return instance
    }

    /// A POST of JSON `body` to `path` on instance `id`, with a bearer token.
    func post(_ id: String, _ path: String, _ body: String, token: String) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(
            .POST, self[id].baseURL + path, body: Array(body.utf8),
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")])
    }

    func get(_ id: String, _ path: String, token: String) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(.GET, self[id].baseURL + path, headers: [("Authorization", "Bearer \(token)")])
    }

    /// Stops every instance still running (SIGTERM) and the broker.
    func stop() async {
        for instance in instances {
            _ = try? await instance.server.terminate()
        }
        _ = try? await broker.stop()
    }
}
