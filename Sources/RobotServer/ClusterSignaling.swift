import Logging
import SignalingProtocol
import Synchronization

/// What ``ClusterSignaling`` needs of the ``ClusterLink``: unit tests pass a stand-in that records what is published.
protocol ClusterSignalingLink: Sendable {
    /// This instance's id.
    var instance: String { get }
    var topics: ClusterTopics { get }
    /// Whether an instance is online (this one always is).
    func isLive(_ id: String) -> Bool
    /// Publishes with QoS 1 and returns at once (a failure is logged by the link).
    func publish(_ topic: String, _ payload: [UInt8], retain: Bool)
}

extension ClusterLink: ClusterSignalingLink {}

/// Signaling across robot-server instances (`docs/SIGNALING.md`, "Across instances"): each robot's room lives on its
/// *home*, the instance where its producer connected (``Homes``); a viewer that connects to another instance is
/// forwarded there over MQTT (``ForwardedViewer`` on the instance with its socket, a *guest* in the room at home,
/// `ClusterSignaling+Guests.swift`).
///
/// A ``ClusterMember``: the link hands it presence, home messages and peer messages on the MQTT event task, in the
/// broker's order; claims and forwarded sockets come from the sockets' tasks. Nothing here blocks: rooms only queue
/// frames, the link only queues publishes, and each guest's frames are published by a task of its own.
final class ClusterSignaling: ClusterMember {
    /// A viewer forwarded between instances: its robot and its peer id (chosen by the entry instance).
    struct Key: Hashable, Sendable {
        var thing: String
        var peer: String
    }

    struct Tables: Sendable {
        var homes: Homes
        /// Viewers whose sockets are here and whose rooms are on another instance.
        var forwarded: [Key: ForwardedViewer] = [:]
        /// Viewers in rooms here whose sockets are on another instance: that instance, per viewer.
        var guests: [Key: String] = [:]
    }

    /// Why a forwarded viewer's socket is closed with 4003 when its room is no longer where it was forwarded.
    static let movedReason = "this robot's room moved to another robot-server instance; reconnect"
    static let goneReason = "the robot-server instance serving this robot's room went away; reconnect"

    let link: any ClusterSignalingLink
    let hubs: [String: SignalingHub]
    let logger: Logger
    let tables: Mutex<Tables>

    init(link: any ClusterSignalingLink, hubs: [String: SignalingHub], logger: Logger) {
        self.link = link
        self.hubs = hubs
        self.logger = logger
        tables = Mutex(Tables(homes: Homes(instance: link.instance)))
    }

    /// The instance whose room serves `thing` now when it is another one; nil when the room is here (or nobody's).
    func remoteHome(of thing: String) -> String? {
        let home = tables.withLock { $0.homes.home(of: thing, live: link.isLive) }
        return home == link.instance ? nil : home
    }

    /// A producer joined `thing`'s room here: the home is here now, for every instance (retained).
    func claim(_ thing: String, producer: String) {
        let move = tables.withLock { $0.homes.claim(thing, producer: producer, live: link.isLive) }
        link.publish(
            link.topics.home(thing), Homes.Home(instance: link.instance, producer: producer).payload, retain: true)
        if let move { perform(move) }
    }

    // MARK: ClusterMember

    func instance(_ id: String, online: Bool) {
        var closing: [ForwardedViewer] = []
        var leaving: [Key] = []
        let moves = tables.withLock { tables in
            if !online {
                closing = tables.forwarded.values.filter { $0.home == id }
                leaving = tables.guests.filter { $0.value == id }.map(\.key)
                for key in leaving { tables.guests[key] = nil }
            }
            return tables.homes.moves(instance: id, online: online)
        }
        if !closing.isEmpty || !leaving.isEmpty {
            logger.notice(
                "signaling: instance \(id) went away: \(closing.count) viewers forwarded to it are closed (4003), \(leaving.count) forwarded from it leave their rooms",
                metadata: ["cluster.instance": "\(id)"])
        }
        for viewer in closing {
            viewer.close(code: SignalingCloseCode.moved.rawValue, reason: Self.goneReason)
        }
        for key in leaving {
            hubs[key.thing]?.leave(key.peer)
        }
        moves.forEach(perform)
    }

    func received(_ route: ClusterTopics.Route, payload: [UInt8]) {
        switch route {
        case .home(let thing):
            guard hubs[thing] != nil, let home = Homes.Home(payload: payload) else { return }
            let move = tables.withLock { $0.homes.received(home, for: thing, live: link.isLive) }
            if let move { perform(move) }
        case .peer(let thing, let peer):
            guard let envelope = ClusterEnvelope(payload: payload) else {
                logger.debug("signaling: an unreadable cluster message dropped", metadata: ["signal.peer": "\(peer)"])
                return
            }
            let key = Key(thing: thing, peer: peer)
            if let viewer = tables.withLock({ $0.forwarded[key] }) {
                viewer.deliver(envelope)
            } else {
                guestSent(envelope, key: key)
            }
        case .presence, .lease, .call:
            return
        }
    }

    /// The broker connection is (re)established. While it was away the other instances may have counted this one
    /// offline and dropped what it forwarded: every forwarded viewer (either side) starts over, and the homes of the
    /// producers here are claimed again.
    func reconnected() {
        let (forwarded, guests) = tables.withLock { tables in
            defer {
                tables.forwarded = [:]
                tables.guests = [:]
            }
            return (Array(tables.forwarded.values), tables.guests)
        }
        for viewer in forwarded {
            viewer.close(code: SignalingCloseCode.moved.rawValue, reason: Self.movedReason)
        }
        for (key, entry) in guests {
            send(.close, Close(code: SignalingCloseCode.moved.rawValue, reason: Self.movedReason).body, to: entry, key)
            hubs[key.thing]?.leave(key.peer)
        }
        var producers: [String: String] = [:]
        for (thing, hub) in hubs {
            producers[thing] = hub.producer
        }
        let moves = tables.withLock { $0.homes.reconnected(producers: producers, live: link.isLive) }
        for (thing, producer) in producers {
            link.publish(
                link.topics.home(thing), Homes.Home(instance: link.instance, producer: producer).payload, retain: true)
        }
        moves.forEach(perform)
    }

    // MARK: Moves

    /// A robot's room changed instance: viewers forwarded elsewhere reconnect (4003); a room that moved away from here
    /// closes its sockets (``SignalingHub/moveOut()``).
    func perform(_ move: Homes.Move) {
        let stale = tables.withLock { $0.forwarded.values.filter { $0.thing == move.thing && $0.home != move.to } }
        for viewer in stale {
            viewer.close(code: SignalingCloseCode.moved.rawValue, reason: Self.movedReason)
        }
        let metadata: Logger.Metadata = ["robot.thing": "\(move.thing)", "cluster.home": "\(move.to ?? "none")"]
        switch move.to {
        case nil:
            logger.notice(
                "signaling: \(move.thing)'s home instance is offline: its viewers join the room here until a producer connects somewhere",
                metadata: metadata)
        case link.instance?:
            logger.notice("signaling: \(move.thing)'s room moved here", metadata: metadata)
        case let other?:
            // Learning where a room is (at start, every robot's retained home) is no move: nothing was here.
            logger.log(
                level: move.from == nil && hubs[move.thing]?.isEmpty != false ? .debug : .notice,
                "signaling: \(move.thing)'s room moved to instance \(other)", metadata: metadata)
            hubs[move.thing]?.moveOut()
        }
    }

    /// Publishes `verb` with `body` on the peer topic of `key` at `instance`.
    func send(_ verb: Verb, _ body: [UInt8] = [], to instance: String, _ key: Key) {
        link.publish(
            link.topics.peer(to: instance, thing: key.thing, peer: key.peer), verb.envelope(body).payload, retain: false
        )
    }
}
