import Basics
import Logging
import MQTT
import StrictJSON
import Synchronization

/// A part of robot-server that shares state with the other instances through ``ClusterLink``: the signaling rooms
/// (``ClusterSignaling``) and the control leases (``ClusterLeases``).
///
/// Calls come on the MQTT event task, in the broker's order; a member must not block (long work goes to a task).
protocol ClusterMember: AnyObject, Sendable {
    /// Another instance came online, or went offline (its last will, or its goodbye on a clean shutdown).
    func instance(_ id: String, online: Bool)
    /// A message on a cluster topic other than presence, with its route.
    func received(_ route: ClusterTopics.Route, payload: [UInt8])
    /// This instance's broker connection is (re)established: publish again what it owns that is retained (homes,
    /// leases), in case the broker lost it.
    func reconnected()
}

/// One robot-server's place among the instances sharing a broker (`cluster`, `docs/SCALING.md`): which instances are
/// online, its own presence (a retained message, and its last will saying it went offline), and the cluster topics'
/// messages handed to the ``ClusterMember``s.
///
/// Made before the MQTT client (whose options take ``subscriptions`` and ``will``), then ``attach(_:)``ed to it;
/// ``CommandPublisher`` passes it the connection events and messages.
final class ClusterLink: Sendable {
    let instance: String
    let topics: ClusterTopics
    /// `cluster.callTimeoutMs`.
    let callTimeout: Duration
    let logger: Logger

    private struct State {
        var client: MQTTClient?
        var members: [any ClusterMember] = []
        /// The other instances whose latest presence says online.
        var online: Set<String> = []
        /// The first failed publish of a run is a warning, then every 100th (the rest are debug lines).
        var failedPublishes = 0
    }

    private let state = Mutex(State())

    init(config: ServerConfig.Cluster, logger: Logger) {
        instance = config.instanceID
        topics = ClusterTopics(prefix: config.topicPrefix, instance: config.instanceID)
        callTimeout = .milliseconds(config.callTimeoutMs)
        self.logger = logger
    }

    /// What the MQTT client subscribes to (``ClusterTopics/subscriptions``).
    var subscriptions: [MQTTOptions.Subscription] { topics.subscriptions }

    /// The broker says we went offline if our connection drops without a goodbye.
    var will: MQTTOptions.Will {
        .init(topic: topics.presence(instance), payload: Self.presence(instance, online: false), qos: 1, retain: true)
    }

    /// The client the link publishes with; once, before the client starts.
    func attach(_ client: MQTTClient) {
        state.withLock { $0.client = client }
    }

    /// Adds a member; before the client starts.
    func add(_ member: any ClusterMember) {
        state.withLock { $0.members.append(member) }
    }

    /// Whether `id` is online as far as this instance knows (itself always is).
    func isLive(_ id: String) -> Bool {
        id == instance || state.withLock { $0.online.contains(id) }
    }

    /// The instances online, this one included, sorted.
    var liveInstances: [String] {
        state.withLock { $0.online.union([instance]) }.sorted()
    }

    var isConnected: Bool { state.withLock { $0.client }?.isConnected ?? false }

    /// Publishes with QoS 1 and returns at once; a failure (offline, a full queue) is logged — the first as a warning,
    /// then every 100th — and the message is lost: what it carried is published again on reconnection (retained
    /// state) or its socket is closed by the other side's timeout.
    func publish(_ topic: String, _ payload: [UInt8], retain: Bool = false) {
        guard let client = state.withLock({ $0.client }) else { return }
        do {
            try client.publish(topic: topic, payload: payload, qos: 1, retain: retain)
        } catch {
            let count = state.withLock { state in
                state.failedPublishes += 1
                return state.failedPublishes
            }
            logger.log(
                level: count % 100 == 1 ? .warning : .debug,
                "cluster: cannot publish to \(topic): \(error.message) (\(count) lost so far)")
        }
    }

    /// Publishes with QoS 1 and waits for the broker's PUBACK (at most ``callTimeout``).
    func publishAndWait(_ topic: String, _ payload: [UInt8], retain: Bool = false) async throws(MQTTError) {
        guard let client = state.withLock({ $0.client }) else {
            throw MQTTError(.notConnected, "cannot publish to \(topic): the cluster link has no MQTT client")
        }
        try await client.publishAndWait(topic: topic, payload: payload, qos: 1, retain: retain, timeout: callTimeout)
    }

    /// The broker connection is up: say we are online (retained), and let the members publish what they own again.
    func connected() {
        publish(topics.presence(instance), Self.presence(instance, online: true), retain: true)
        for member in state.withLock({ $0.members }) {
            member.reconnected()
        }
    }

    /// A clean shutdown: say we are offline before the DISCONNECT (which suppresses the last will).
    func goodbye() async {
        do {
            try await publishAndWait(topics.presence(instance), Self.presence(instance, online: false), retain: true)
        } catch {
            let reason = error.message
            logger.warning(
                "cluster: could not say goodbye (\(reason)); the others count this instance online until the broker publishes its last will"
            )
        }
    }

    /// A message from the broker: true when it was a cluster message (handled here), false for anything else.
    func handle(_ message: MQTTMessage) -> Bool {
        guard let route = topics.route(message.topic) else { return false }
        guard case .presence(let id) = route else {
            for member in state.withLock({ $0.members }) {
                member.received(route, payload: message.payload)
            }
            return true
        }
        guard id != instance else { return true }
        let online = Self.isOnline(message.payload)
        let (changed, members) = state.withLock { state in
            let changed = online ? state.online.insert(id).inserted : state.online.remove(id) != nil
            return (changed, state.members)
        }
        guard changed else { return true }
        logger.notice(
            "cluster: instance \(id) is \(online ? "online" : "offline")",
            metadata: ["cluster.instance": "\(instance)", "cluster.instances": "\(liveInstances)"])
        for member in members {
            member.instance(id, online: online)
        }
        return true
    }

    /// `{"instance":"a","online":true}`
    static func presence(_ id: String, online: Bool) -> [UInt8] {
        let presence: JSONValue = ["instance": .string(id), "online": .bool(online)]
        return presence.serialized()
    }

    /// Whether a presence payload says online: anything else (an empty retained message that clears the topic,
    /// garbage) counts as offline.
    static func isOnline(_ payload: [UInt8]) -> Bool {
        (try? JSONParser.parse(payload))?["online"]?.boolValue ?? false
    }
}
