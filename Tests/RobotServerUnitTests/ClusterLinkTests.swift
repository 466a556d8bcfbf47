import Foundation
import JSONConfig
import MQTT
@testable import RobotServer
import Logging
import TestSupport
import Testing

/// The `cluster` section, the cluster's topics and their routes, the forwarded viewer's envelope, and how the link
/// keeps the list of online instances from presence messages.
@Suite struct ClusterLinkTests {
    func load(_ extra: String) throws -> ServerConfig {
        try ServerConfig.load(
            path: PlaceholderFiles.config(
                #"{\#(ServerConfigTests.mqtt),"robots":["sts-pi"],"auth":{"disabled":true}\#(extra)}"#
            ).path)
    }

    func error(_ extra: String) -> String? {
        do {
            _ = try load(extra)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func withoutTheSectionNothingIsShared() throws {
        let config = try load("")
        #expect(config.cluster == nil)
        #expect(config.mqtt.clientID == "robot-server")
    }

    @Test func theSectionNamesTheInstanceAndItsClientID() throws {
        let config = try load(#","cluster":{"instanceId":"eu-1"}"#)
        #expect(config.cluster == .init(instanceID: "eu-1", topicPrefix: "robot-server/cluster", callTimeoutMs: 2000))
        // Two instances with one client id would throw each other off the broker.
        #expect(config.mqtt.clientID == "robot-server-eu-1")
        #expect(config.unknownKeys.isEmpty)
    }

    @Test func anExplicitClientIDWins() throws {
        let mqtt = ServerConfigTests.mqtt.replacingOccurrences(of: #""mqtt":{"#, with: #""mqtt":{"clientId":"mine","#)
        let config = try ServerConfig.load(
            path: PlaceholderFiles.config(
                #"{\#(mqtt),"robots":["sts-pi"],"auth":{"disabled":true},"cluster":{"instanceId":"a","topicPrefix":"fleet/rs","callTimeoutMs":500}}"#
            ).path)
        #expect(config.mqtt.clientID == "mine")
        #expect(config.cluster == .init(instanceID: "a", topicPrefix: "fleet/rs", callTimeoutMs: 500))
    }

    @Test func mistakesNameTheKey() throws {
        #expect(error(#","cluster":{}"#)?.contains("cluster.instanceId: is required") == true)
        #expect(error(#","cluster":{"instanceId":"a/b"}"#)?.contains("cluster.instanceId: \"a/b\" is not") == true)
        #expect(error(#","cluster":{"instanceId":""}"#)?.contains("cluster.instanceId") == true)
        #expect(
            error(#","cluster":{"instanceId":"a","topicPrefix":"x/+/y"}"#)?.contains("cluster.topicPrefix") == true)
        #expect(error(#","cluster":{"instanceId":"a","topicPrefix":"x/"}"#)?.contains("cluster.topicPrefix") == true)
        #expect(
            error(#","cluster":{"instanceId":"a","callTimeoutMs":5}"#)?.contains(
                "cluster.callTimeoutMs: must be between 100 and") == true)
        #expect(try load(#","cluster":{"instanceId":"a","members":3}"#).unknownKeys == ["cluster.members"])
    }

    let topics = ClusterTopics(prefix: "robot-server/cluster", instance: "b")

    @Test func everyTopicRoutesBackToWhatItNames() {
        #expect(topics.route(topics.presence("a")) == .presence(instance: "a"))
        #expect(topics.route(topics.home("sts-pi")) == .home(thing: "sts-pi"))
        #expect(topics.route(topics.lease("sts-pi")) == .lease(thing: "sts-pi"))
        #expect(topics.route(topics.call(to: "b")) == .call)
        #expect(
            topics.route(topics.peer(to: "b", thing: "sts-pi", peer: "viewer-00000000abcd"))
                == .peer(thing: "sts-pi", peer: "viewer-00000000abcd"))
        #expect(topics.peer(to: "b", thing: "t", peer: "p") == "robot-server/cluster/to/b/peer/t/p")
    }

    @Test func messagesForOthersOrOutsideThePrefixAreNotOurs() {
        #expect(topics.route(topics.call(to: "a")) == nil)
        #expect(topics.route(topics.peer(to: "a", thing: "t", peer: "p")) == nil)
        #expect(topics.route("sts-pi/telemetry") == nil)
        #expect(topics.route("robot-server/clusterx/instances/a") == nil)
        #expect(topics.route("robot-server/cluster/robots/t/other") == nil)
        #expect(topics.route("robot-server/cluster/instances/a/extra") == nil)
    }

    @Test func theSubscriptionsCoverEveryRouteOfOurs() {
        let filters = topics.subscriptions.map(\.topicFilter)
        #expect(
            filters == [
                "robot-server/cluster/instances/+", "robot-server/cluster/robots/+/home",
                "robot-server/cluster/robots/+/lease", "robot-server/cluster/to/b/#",
            ])
        #expect(topics.subscriptions.allSatisfy { $0.qos == 1 })
    }

    @Test func theEnvelopeKeepsAFrameVerbatim() throws {
        let frame = #"{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"}"#
        let envelope = ClusterEnvelope("frame", text: frame)
        #expect(envelope.payload.count == frame.utf8.count + "frame\n".count)
        let read = try #require(ClusterEnvelope(payload: envelope.payload))
        #expect(read == envelope)
        #expect(read.text == frame)
        #expect(ClusterEnvelope(payload: Array("leave\n".utf8)) == ClusterEnvelope("leave"))
        #expect(ClusterEnvelope(payload: Array("no newline".utf8)) == nil)
        #expect(ClusterEnvelope(payload: Array("bad verb\n{}".utf8)) == nil)
    }

    @Test func presenceMessagesKeepTheListOfOnlineInstances() {
        let link = ClusterLink(config: .init(instanceID: "b"), logger: Logger(label: "test"))
        let member = RecordingMember()
        link.add(member)
        #expect(link.liveInstances == ["b"])
        #expect(link.handle(MQTTMessage(topic: topics.presence("a"), payload: ClusterLink.presence("a", online: true))))
        #expect(link.handle(MQTTMessage(topic: topics.presence("c"), payload: ClusterLink.presence("c", online: true))))
        // Our own presence (a retained message from before a restart) does not count.
        #expect(link.handle(MQTTMessage(topic: topics.presence("b"), payload: ClusterLink.presence("b", online: false))))
        #expect(link.liveInstances == ["a", "b", "c"])
        #expect(link.isLive("a") && link.isLive("b"))
        // The last will; an empty retained message (a cleared topic) counts as offline too.
        #expect(link.handle(MQTTMessage(topic: topics.presence("a"), payload: ClusterLink.presence("a", online: false))))
        #expect(link.handle(MQTTMessage(topic: topics.presence("c"), payload: [])))
        #expect(link.liveInstances == ["b"])
        #expect(!link.isLive("a"))
        // Repeats change nothing and are not told again.
        #expect(link.handle(MQTTMessage(topic: topics.presence("c"), payload: [])))
        #expect(member.events == ["a online", "c online", "a offline", "c offline"])
        // Other cluster messages reach the members; a robot's telemetry is not the link's.
        #expect(link.handle(MQTTMessage(topic: topics.home("sts-pi"), payload: Array("{}".utf8))))
        #expect(member.events.last == "home(thing: \"sts-pi\") 2 bytes")
        #expect(!link.handle(MQTTMessage(topic: "sts-pi/telemetry", payload: [])))
    }

    @Test func theWillSaysOfflineAndIsRetained() {
        let link = ClusterLink(config: .init(instanceID: "b"), logger: Logger(label: "test"))
        #expect(link.will.topic == "robot-server/cluster/instances/b")
        #expect(link.will.retain && link.will.qos == 1)
        #expect(!ClusterLink.isOnline(link.will.payload))
        #expect(ClusterLink.isOnline(ClusterLink.presence("b", online: true)))
    }
}

private final class RecordingMember: ClusterMember, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var events: [String] { lock.withLock { recorded } }

    func instance(_ id: String, online: Bool) {
        lock.withLock { recorded.append("\(id) \(online ? "online" : "offline")") }
    }

    func received(_ route: ClusterTopics.Route, payload: [UInt8]) {
        lock.withLock { recorded.append("\(route) \(payload.count) bytes") }
    }

    func reconnected() {
        lock.withLock { recorded.append("reconnected") }
    }
}
