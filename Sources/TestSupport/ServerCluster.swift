public import Foundation

/// Several built robot-servers sharing one TLS mosquitto as a cluster (`cluster.instanceId` a, b, …;
/// `docs/SCALING.md`): each with its own port, client id (`robot-server-<id>`) and log. The broker is
/// `scripts/broker.sh`'s, whose ACL lets robot-server use the cluster topics.
public final class ServerCluster: Sendable {
    public struct Instance: Sendable {
        public let id: String
        public let server: ChildProcess
        public let port: UInt16
        /// Its `server.json`.
        public let configFile: URL

        public var baseURL: String { "http://127.0.0.1:\(port)" }
    }

    public let pki: TestPKI
    public let broker: MosquittoBroker
    public let instances: [Instance]
    /// Whether ``stop()`` stops the broker (it was started for this cluster).
    private let ownsBroker: Bool

    private init(pki: TestPKI, broker: MosquittoBroker, instances: [Instance], ownsBroker: Bool) {
        self.pki = pki
        self.broker = broker
        self.instances = instances
        self.ownsBroker = ownsBroker
    }

    /// Starts one robot-server per id, in order, each waiting until it listens, is connected, and has heard of every
    /// instance started before it.
    /// - Parameters:
    ///   - broker: a running broker to use (and its PKI), or nil to start one.
    ///   - auth: the `auth` section (JSON); ``RobotServerProcess/staticTokensAuth`` by default.
    ///   - cluster: more members of each `cluster` section, e.g. `"callTimeoutMs":500`.
    ///   - extra: more top-level keys (JSON members, no braces).
    public static func start(
        _ ids: [String], broker: MosquittoBroker? = nil, auth: String = RobotServerProcess.staticTokensAuth,
        cluster: String = "", extra: String = ""
    ) async throws -> ServerCluster {
        let pki = try broker?.pki ?? TestPKI.make()
        let chosen: MosquittoBroker
        if let broker { chosen = broker } else { chosen = try await MosquittoBroker.start(pki: pki) }
        var instances: [Instance] = []
        do {
            for id in ids {
                let instance = try await launch(
                    id, broker: chosen, pki: pki, auth: auth, cluster: cluster, extra: extra)
                instances.append(instance)
                for earlier in instances.dropLast() {
                    try await instance.server.waitUntilOutput(contains: "cluster: instance \(earlier.id) is online")
                }
            }
        } catch {
            for instance in instances {
                _ = try? await instance.server.kill()
            }
            if broker == nil { _ = try? await chosen.stop() }
            throw error
        }
        return ServerCluster(pki: pki, broker: chosen, instances: instances, ownsBroker: broker == nil)
    }

    private static func launch(
        _ id: String, broker: MosquittoBroker, pki: TestPKI, auth: String, cluster: String, extra: String
    ) async throws -> Instance {
        let section = #""cluster":{"instanceId":"\#(id)"\#(cluster.isEmpty ? "" : ",\(cluster)")}"#
        let (server, port, configFile) = try await RobotServerProcess.startListening(
            folder: "robot-server-\(id)", pki: pki
        ) { port in
            RobotServerProcess.config(
                port: port, brokerPort: broker.port, auth: auth, mqtt: "",
                extra: extra.isEmpty ? section : "\(section),\(extra)", clientId: nil)
        }
        return Instance(id: id, server: server, port: port, configFile: configFile)
    }

    /// The instance with `id`.
    public subscript(id: String) -> Instance {
        guard let instance = instances.first(where: { $0.id == id }) else {
            preconditionFailure("no instance \(id) in this cluster (\(instances.map(\.id)))")
        }
        return instance
    }

    /// `kill -9` of instance `id` (a crash: no goodbye, the broker publishes its last will).
    public func kill(_ id: String) async throws {
        try await self[id].server.kill()
    }

    /// Stops every instance still running (SIGTERM), and the broker if it was started here.
    public func stop() async {
        for instance in instances {
            _ = try? await instance.server.terminate()
        }
        if ownsBroker { _ = try? await broker.stop() }
    }
}
