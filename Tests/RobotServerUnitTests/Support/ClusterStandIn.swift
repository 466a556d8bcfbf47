@testable import RobotServer
import Synchronization

/// Stands in for the broker between robot-server instances in unit tests: each instance's ``Link`` publishes into
/// one queue, and every message is delivered, in publish order, to each member whose topics route it (its own inbox,
/// every robot's home, presence), as the broker and ``ClusterLink`` do. Retained messages are kept, for the tests to
/// read.
///
/// Delivery happens on the publisher's task, never re-entrantly: a publish made while delivering (a member answering)
/// waits in the queue and goes next, so a test's synchronous steps have had all their effects when they return. A
/// guest's frames are published by a task of its own (``ClusterSignaling``); tests await them on the sockets' streams.
final class ClusterStandIn: Sendable {
    /// One instance's link to the stand-in broker.
    final class Link: ClusterSignalingLink {
        let instance: String
        let topics: ClusterTopics
        let broker: ClusterStandIn

        init(instance: String, broker: ClusterStandIn) {
            self.instance = instance
            self.broker = broker
            topics = ClusterTopics(prefix: "robot-server/cluster", instance: instance)
        }

        func isLive(_ id: String) -> Bool { id == instance || broker.isOnline(id) }

        func publish(_ topic: String, _ payload: [UInt8], retain: Bool) {
            broker.publish(topic, payload, retain: retain)
        }
    }

    private struct State {
        var members: [(link: Link, member: any ClusterMember)] = []
        var online: Set<String> = []
        var retained: [String: [UInt8]] = [:]
        var queue: [(topic: String, payload: [UInt8])] = []
        var delivering = false
        var published: [String] = []
    }

    private let state = Mutex(State())

    /// A link for instance `id`; ``add(_:to:)`` its member, then ``setOnline(_:_:)``.
    func link(_ id: String) -> Link { Link(instance: id, broker: self) }

    func add(_ member: any ClusterMember, to link: Link) {
        state.withLock { $0.members.append((link, member)) }
    }

    func isOnline(_ id: String) -> Bool { state.withLock { $0.online.contains(id) } }

    /// The instance's presence as the broker publishes it: its own message, or its last will.
    func setOnline(_ id: String, _ online: Bool) {
        publish(
            ClusterTopics(prefix: "robot-server/cluster", instance: id).presence(id),
            ClusterLink.presence(id, online: online), retain: true)
    }

    /// The retained message on `topic`, as text.
    func retained(_ topic: String) -> String? {
        state.withLock { $0.retained[topic] }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every topic published so far, in order.
    var published: [String] { state.withLock { $0.published } }

    func publish(_ topic: String, _ payload: [UInt8], retain: Bool) {
        let deliverer = state.withLock { state in
            state.published.append(topic)
            if retain { state.retained[topic] = payload }
            state.queue.append((topic, payload))
            defer { state.delivering = true }
            return !state.delivering
        }
        guard deliverer else { return }
        while let message = state.withLock({ state -> (topic: String, payload: [UInt8])? in
            guard !state.queue.isEmpty else {
                state.delivering = false
                return nil
            }
            return state.queue.removeFirst()
        }) {
            deliver(message.topic, message.payload)
        }
    }

    private func deliver(_ topic: String, _ payload: [UInt8]) {
        let members = state.withLock { $0.members }
        for (link, member) in members {
            switch link.topics.route(topic) {
            case nil:
                continue
            case .presence(let id)?:
                let online = ClusterLink.isOnline(payload)
                state.withLock { state in
                    if online { state.online.insert(id) } else { state.online.remove(id) }
                }
                if id != link.instance { member.instance(id, online: online) }
            case let route?:
                member.received(route, payload: payload)
            }
        }
    }
}
