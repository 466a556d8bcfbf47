import Foundation
import Logging
import MQTT
import SQS
import AsyncHTTPClient
import NIOCore
import StrictJSON
import Synchronization
import TestSupport
import Testing

/// Two accounts' brokers, an SQS-compatible server and the built robot-server running the relay between them —
/// the seeds' set-up on real parts:
/// - broker A is the **customer / ingestion** account (id `111111111111`): customers publish
///   `cross_account_hooks/111111111111/…` and `data/…`; the relay may read those and write `error/rules` only;
/// - broker B is the **partner** account (id `222222222222`): as the seed's IAM policy, the relay's identity may
///   publish only under `cross_account_hooks/111111111111/#`;
/// - moto's SQS is the **data** account (`123456789012`, moto's default) with the queue `iot-data`.
/// Each broker has its own CA; the relay holds a certificate from each.
final class RelayHarness: Sendable {
    static let customerID = "111111111111"
    static let partnerID = "222222222222"
    static let dataID = "123456789012"

    let pkiA: TestPKI
    let pkiB: TestPKI
    let brokerA: MosquittoBroker
    let brokerB: MosquittoBroker
    let moto: MotoServer
    let folder: URL
    let configFile: URL
    let httpPort: UInt16
    let server: Mutex<ChildProcess>

    static let aclA = """
        user customer
        topic write cross_account_hooks/111111111111/#
        topic write data/#
        topic write load/#
        topic read error/#
        user relay
        topic read cross_account_hooks/#
        topic read data/#
        topic read load/#
        topic write error/rules
        user robot-server
        topic write +/action
        topic read +/telemetry
        user admin
        topic readwrite #
        """

    static let aclB = """
        user relay
        topic write cross_account_hooks/111111111111/#
        user admin
        topic readwrite #
        """

    /// The rules of the seeds, plus `load/+` for the outage tests. `extraRules` are appended (JSON objects).
    static func relaySection(brokerA: UInt16, brokerB: UInt16, sqs: String, extraRules: [String] = []) -> String {
        let rules = [
            // seeds/000, 001: trusted enrichment, required fields, republish in the partner account.
            """
            {"name":"create-thing-hook","source":{"account":"customer","topic":"cross_account_hooks/+/+"},
             "set":{"account":"${accountId}","operation":"${topic(3)}","relayedAt":"${timestamp}","relayId":"${messageId}"},
             "require":["account","operation","thingName"],
             "targets":[{"mqtt":{"account":"partner","topic":"cross_account_hooks/${accountId}/debug/${topic(3)}"}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}}
            """,
            // seeds/002: data/private to SQS in the data account, base64, error action.
            """
            {"name":"private-to-sqs","source":{"account":"customer","topic":"data/private"},
             "targets":[{"sqs":{"account":"data","queue":"iot-data","base64":true}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}}
            """,
            """
            {"name":"missing-queue","source":{"account":"customer","topic":"data/missing"},
             "targets":[{"sqs":{"account":"data","queue":"no-such-queue","base64":true}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}}}
            """,
            """
            {"name":"load","source":{"account":"customer","topic":"load/+"},
             "targets":[{"mqtt":{"account":"partner","topic":"cross_account_hooks/${accountId}/load"}}],
             "errorAction":{"mqtt":{"account":"customer","topic":"error/rules"}},
             "retry":{"initialMs":100,"maxMs":1000}}
            """,
        ] + extraRules
        return """
            {"queue":{"path":"relay.db"},
             "accounts":{
               "customer":{"accountId":"\(customerID)",
                 "mqtt":{"endpoint":"localhost","port":\(brokerA),"caFile":"pki-a/ca.crt","certFile":"pki-a/relay.crt",
                         "keyFile":"pki-a/relay.key","clientId":"relay-customer","reconnectInitialMs":50,"reconnectMaxMs":500,
                         "connectTimeoutSeconds":3}},
               "partner":{"accountId":"\(partnerID)",
                 "mqtt":{"endpoint":"localhost","port":\(brokerB),"caFile":"pki-b/ca.crt","certFile":"pki-b/relay.crt",
                         "keyFile":"pki-b/relay.key","clientId":"relay-partner","reconnectInitialMs":50,"reconnectMaxMs":500,
                         "connectTimeoutSeconds":3},
                 "grants":[{"from":"customer","topics":["cross_account_hooks/\(customerID)/#","denied/#"]}]},
               "data":{"accountId":"\(dataID)",
                 "sqs":{"endpoint":"\(sqs)","region":"us-east-1","accessKeyId":"testing","secretAccessKey":"testing"},
                 "grants":[{"from":"customer","queues":["iot-data","no-such-queue"]}]}},
             "rules":[\(rules.joined(separator: ",\n"))]}
            """
    }

    private init(
        pkiA: TestPKI, pkiB: TestPKI, brokerA: MosquittoBroker, brokerB: MosquittoBroker, moto: MotoServer, folder: URL,
        configFile: URL, httpPort: UInt16, server: ChildProcess
    ) {
        self.pkiA = pkiA
        self.pkiB = pkiB
        self.brokerA = brokerA
        self.brokerB = brokerB
        self.moto = moto
        self.folder = folder
        self.configFile = configFile
        self.httpPort = httpPort
        self.server = Mutex(server)
    }

    static func start(extraRules: [String] = []) async throws -> RelayHarness {
        let clients = ["relay", "customer", "partner", "admin", "robot-server"]
        let pkiA = try TestPKI.makeIndependent(clients: clients)
        let pkiB = try TestPKI.makeIndependent(clients: clients)
        // No broker limit on queued messages (the default 1000 drops a fast publisher's excess), and persistence
        // so a stopped broker keeps its sessions' queued messages.
        let settings = ["max_queued_messages 0", "persistence true", "persistence_location {dir}/", "autosave_interval 0"]
        let brokerA = try await MosquittoBroker.start(pki: pkiA, acl: aclA, settings: settings)
        let brokerB = try await MosquittoBroker.start(pki: pkiB, acl: aclB, settings: settings)
        let moto = try await MotoServer.start()
        let folder = try ScratchDirectory.make("relay")
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki-a"), withDestinationURL: pkiA.directory)
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki-b"), withDestinationURL: pkiB.directory)
        let httpPort = try FreePort.next()
        let config = """
            {"listen":{"host":"127.0.0.1","port":\(httpPort)},
             "mqtt":{"endpoint":"localhost","port":\(brokerA.port),"caFile":"pki-a/ca.crt","certFile":"pki-a/robot-server.crt",
                     "keyFile":"pki-a/robot-server.key","clientId":"robot-server"},
             "robots":["sts-pi"],"auth":{"disabled":true},
             "relay":\(relaySection(brokerA: brokerA.port, brokerB: brokerB.port, sqs: moto.endpoint, extraRules: extraRules))}
            """
        let configFile = folder.appending(path: "server.json")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let server = try await startServer(configFile)
        return RelayHarness(
            pkiA: pkiA, pkiB: pkiB, brokerA: brokerA, brokerB: brokerB, moto: moto, folder: folder,
            configFile: configFile, httpPort: httpPort, server: server)
    }

    static func startServer(_ configFile: URL) async throws -> ChildProcess {
        let server = try ChildProcess.start(
            try RepositoryPaths.product("robot-server").path, ["--config", configFile.path, "--log-level", "info"])
        try await server.waitUntilOutput(contains: "relay: subscribed to", timeout: .seconds(20))
        return server
    }

    var process: ChildProcess { server.withLock { $0 } }

    /// SIGKILL, then the same config again: same queue file, same persistent sessions.
    func crashAndRestart() async throws {
        _ = try await process.kill()
        let restarted = try await Self.startServer(configFile)
        server.withLock { $0 = restarted }
    }

    /// A client on broker A (`a: true`) or B as `identity`, optionally subscribed; persistent when `clientID` is fixed.
    func client(
        onA a: Bool, as identity: String, clientID: String? = nil, subscriptions: [MQTTOptions.Subscription] = []
    ) throws -> MQTTRecorder {
        var options = MQTTOptions.local(
            identity, pki: a ? pkiA : pkiB, port: a ? brokerA.port : brokerB.port, clientID: clientID,
            subscriptions: subscriptions)
        options.cleanSession = clientID == nil
        options.backoff = .init(initial: .milliseconds(50), maximum: .milliseconds(500))
        return MQTTRecorder(try MQTTClient(options: options, logger: Logger(label: identity)))
    }

    func sqs(_ http: HTTPClient) -> SQSClient {
        SQSClient(
            endpoint: moto.endpoint, region: "us-east-1",
            credentials: { .init(accessKeyID: "testing", secretAccessKey: "testing", sessionToken: nil) }, httpClient: http)
    }

    /// `GET /relay/rules`, parsed.
    func rules() async throws -> JSONValue {
        let (status, body) = try await HTTPGet.fetch("http://127.0.0.1:\(httpPort)/relay/rules")
        #expect(status == 200, "GET /relay/rules: \(status) \(body)")
        return try JSONParser.parse(body)
    }

    func counter(_ rules: JSONValue, rule: String, _ name: String) -> Int {
        let entry = rules["rules"]?.arrayValue?.first { $0["name"]?.stringValue == rule }
        return entry?["counters"]?[name]?.intValue ?? -1
    }

    func stop() async {
        _ = try? await process.terminate()
        try? await moto.stop()
        try? await brokerA.stop()
        try? await brokerB.stop()
    }
}

/// A plain HTTP GET over a socket-level client (Foundation's URLSession is not on every Linux).
enum HTTPGet {
    static func fetch(_ url: String) async throws -> (Int, String) {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        let result = (Int(response.status.code), String(buffer: body))
        try await http.shutdown()
        return result
    }
}
