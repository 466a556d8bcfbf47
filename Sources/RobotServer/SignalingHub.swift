import Logging
import StrictJSON
import Synchronization

/// One robot's signaling room: the ``SignalingState`` behind a lock, one outbound mailbox per socket, and one
/// ``TokenBucket`` per socket for what it sends.
///
/// Every event runs under the lock and only queues frames (nothing waits), so frames reach each socket in
/// the order the events happened, whichever connection's task or the MQTT thread caused them. Each socket's
/// own task drains its mailbox.
///
/// Floods are cut at the sender, never at the victim (`docs/LIMITS.md`): a socket that sends more frames than
/// its bucket allows is closed with 1008; a viewer whose frames the producer has not read yet reach
/// `video.signalingBurst` is closed with 1008 too (its frames are counted per sender until written), so viewers
/// cannot fill the producer's mailbox together. A socket whose mailbox still fills up (``mailboxSize`` frames
/// beyond the viewers' shares) is the one not reading: it loses its mailbox, which ends its connection.
final class SignalingHub: Sendable {
    /// What a socket's task writes: a text frame (from `origin`, a viewer, when it relays one), or a close with a
    /// code and reason.
    enum Outbound: Sendable, Equatable {
        case text(String, origin: String?)
        case close(code: UInt16, reason: String)
    }

    /// What a socket's task reads, and where the room queues for it.
    typealias Mailbox = (stream: AsyncStream<Outbound>, continuation: AsyncStream<Outbound>.Continuation)

    /// Frames queued for one socket, beyond the viewers' shares, before it counts as stuck.
    static let mailboxSize = 256

    private struct Room {
        var state: SignalingState
        var mailboxes: [String: AsyncStream<Outbound>.Continuation] = [:]
        var buckets: [String: TokenBucket] = [:]
        /// Frames relayed from a viewer (second key) and not yet written to a socket (first key).
        var unread: [String: [String: Int]] = [:]
        /// What ends each socket's connection when the hub cuts it (``join(as:principal:now:onCut:)``).
        var cutters: [String: @Sendable () -> Void] = [:]
    }

    let thing: String
    let logger: Logger
    let video: ServerConfig.Video
    private let room: Mutex<Room>

    init(thing: String, video: ServerConfig.Video, control: ServerConfig.Control = .init(), logger: Logger) {
        self.thing = thing
        self.logger = logger
        self.video = video
        room = Mutex(
            Room(
                state: SignalingState(
                    thing: thing, iceServers: video.iceServers, maxViewers: video.maxViewers,
                    maxViewersPerPrincipal: video.maxViewersPerPrincipal,
                    turn: video.turn.map(TURNCredentialMinter.init), idleSeconds: control.idleSeconds)))
    }

    /// How many viewers are connected now.
    var viewerCount: Int { room.withLock { $0.state.viewers.count } }

    /// How many viewers `principal` holds now.
    func viewerCount(of principal: String) -> Int { room.withLock { $0.state.viewerCount(of: principal) } }

    /// Whether `peer` still has its mailbox (the server has not closed it).
    func isOpen(_ peer: String) -> Bool { room.withLock { $0.mailboxes[peer] != nil } }

    /// Whether the robot's producer is connected now.
    var producerOnline: Bool { room.withLock { $0.state.producer != nil } }

    /// The peer id of the robot's producer, if it is connected.
    var producer: String? { room.withLock { $0.state.producer } }

    /// Whether nobody is in the room (no producer, no viewer).
    var isEmpty: Bool { room.withLock { $0.state.producer == nil && $0.state.viewers.isEmpty } }

    /// Registers a new socket opened by `principal` (nil: none known), a viewer that may do what `speaker` says:
    /// returns its peer id (`peer`, when another instance chose it for a viewer it forwards, ``ClusterSignaling``; a
    /// new one otherwise) and the frames to write to it, starting with the welcome. `onCut` runs (under the hub's
    /// lock: it must not block) when the hub closes the socket — rate limit, a full mailbox, a newer producer: the
    /// peer has left the room by then, and `onCut` ends the connection even if the peer does not read its close frame.
    func join(
        as role: SignalingState.Role, peer: String? = nil, principal: String? = nil,
        speaker: SignalingState.Speaker = .init(name: nil, roles: []), now: ContinuousClock.Instant = .now,
        onCut: @escaping @Sendable () -> Void = {}
    ) -> (peer: String, outbound: AsyncStream<Outbound>) {
        let peer = peer ?? Self.newPeerID(role)
        let (stream, mailbox) = makeMailbox()
        // The producer speaks for every viewer: its bucket is maxViewers viewers' worth.
        let scale = role == .producer ? video.maxViewers : 1
        room.withLock { room in
            room.mailboxes[peer] = mailbox
            room.cutters[peer] = onCut
            room.buckets[peer] = TokenBucket(
                burst: video.signalingBurst * scale, perSecond: video.signalingFramesPerSecond * scale, now: now)
            perform(
                room.state.join(peer, as: role, principal: principal, speaker: speaker, at: .now()), origin: nil,
                in: &room)
        }
        logger.debug(
            "signaling: \(role.rawValue) joined", metadata: ["robot.thing": "\(thing)", "signal.peer": "\(peer)"])
        return (peer, stream)
    }

    /// A socket's mailbox: ``mailboxSize`` frames beyond the viewers' shares.
    func makeMailbox() -> Mailbox {
        let share = video.signalingBurst * video.maxViewers
        return AsyncStream.makeStream(of: Outbound.self, bufferingPolicy: .bufferingOldest(Self.mailboxSize + share))
    }

    /// A socket closed.
    func leave(_ peer: String) {
        let role = room.withLock { room in
            let role = room.state.role(of: peer)
            room.mailboxes.removeValue(forKey: peer)?.finish()
            room.cutters[peer] = nil
            room.buckets[peer] = nil
            room.unread[peer] = nil
            perform(room.state.leave(peer), origin: nil, in: &room)
            return role
        }
        guard let role else { return }
        logger.debug(
            "signaling: \(role.rawValue) left", metadata: ["robot.thing": "\(thing)", "signal.peer": "\(peer)"])
    }

    /// A text frame from `peer`: relayed if within its rate limit; over it, `peer` is closed (1008).
    func received(_ text: String, from peer: String, now: ContinuousClock.Instant = .now) {
        room.withLock { room in
            guard admit(peer, now: now, in: &room) else { return }
            perform(room.state.received(text, from: peer, now: now), origin: peer, in: &room)
        }
    }

    /// A binary frame from `peer`: refused with an error frame (and counted against its rate limit).
    func receivedBinary(from peer: String, now: ContinuousClock.Instant = .now) {
        room.withLock { room in
            guard admit(peer, now: now, in: &room) else { return }
            perform([.send(peer, SignalingState.binaryRefused)], origin: peer, in: &room)
        }
    }

    /// `peer`'s socket wrote a frame that `origin` sent: it no longer counts against `origin`'s share.
    func written(from origin: String, to peer: String) {
        room.withLock { room in
            if let count = room.unread[peer]?[origin] {
                room.unread[peer]?[origin] = count > 1 ? count - 1 : nil
            }
        }
    }

    /// A message the robot published on its telemetry topic.
    func telemetry(_ data: JSONValue) {
        room.withLock { room in
            perform(room.state.telemetry(data), origin: nil, in: &room)
        }
    }

    /// The robot's control lease changed (``ControlLeases``): every viewer hears it, in the order of the changes.
    func controlChanged(to lease: ControlLease) {
        room.withLock { room in
            perform(room.state.controlChanged(to: lease), origin: nil, in: &room)
        }
    }

    /// The robot's room moved to another instance (``ClusterSignaling``): every socket is closed — viewers with 4003,
    /// they reconnect and are forwarded there; the producer with 4000, a newer one connected there.
    func moveOut() {
        room.withLock { room in
            perform(room.state.moveOut(), origin: nil, in: &room)
        }
    }

    /// Whether a frame from `peer` may pass: it is still connected and has a token.
    private func admit(_ peer: String, now: ContinuousClock.Instant, in room: inout Room) -> Bool {
        guard room.mailboxes[peer] != nil, var bucket = room.buckets[peer] else { return false }
        let allowed = bucket.take(now: now)
        room.buckets[peer] = bucket
        if !allowed {
            let reason = "signaling rate limit: over \(bucket.burst) frames at once or \(bucket.perSecond)/s"
            perform([.close(peer, .rateLimited(reason))], origin: nil, in: &room)
        }
        return allowed
    }

    private func perform(_ actions: [SignalingState.Action], origin: String?, in room: inout Room) {
        // Only a viewer's frames to someone else are counted against its share.
        let relaying = origin.flatMap { room.state.role(of: $0) == .viewer ? $0 : nil }
        for action in actions {
            switch action {
            case .send(let peer, let frame):
                guard let mailbox = room.mailboxes[peer] else { continue }
                let counted = relaying.flatMap { $0 == peer ? nil : $0 }
                if let counted {
                    let unread = room.unread[peer]?[counted] ?? 0
                    guard unread < video.signalingBurst else {
                        // A viewer's talk request reaches every viewer: the slow reader may be another viewer.
                        let reader = room.state.role(of: peer) == .producer ? "the producer" : "another viewer"
                        let reason = "signaling rate limit: \(unread) frames not yet read by \(reader)"
                        perform([.close(counted, .rateLimited(reason))], origin: nil, in: &room)
                        return
                    }
                    room.unread[peer, default: [:]][counted] = unread + 1
                }
                if case .dropped = mailbox.yield(.text(frame.text, origin: counted)) {
                    logger.warning(
                        "signaling: \(peer) does not read its frames (\(Self.mailboxSize) waiting); closing it",
                        metadata: ["robot.thing": "\(thing)"])
                    room.mailboxes.removeValue(forKey: peer)?.finish()
                    cut(peer, in: &room)
                }
            case .close(let peer, let reason):
                guard let mailbox = room.mailboxes.removeValue(forKey: peer) else { continue }
                logger.notice(
                    "signaling: closing \(peer): \(reason.text)", metadata: ["robot.thing": "\(thing)"])
                mailbox.yield(.close(code: reason.code, reason: reason.text))
                mailbox.finish()
                cut(peer, in: &room)
            }
        }
    }

    /// `peer`, whose mailbox is gone, leaves the room now — its viewer slot is free and the others are told at once,
    /// whether or not its socket ever reads again — and its connection is ended (`onCut`).
    private func cut(_ peer: String, in room: inout Room) {
        room.buckets[peer] = nil
        room.unread[peer] = nil
        room.cutters.removeValue(forKey: peer)?()
        perform(room.state.leave(peer), origin: nil, in: &room)
    }

    /// `producer-` or `viewer-` and 12 random hex digits: unguessable enough that one viewer cannot aim
    /// frames at another (the server writes the `viewer` field anyway).
    static func newPeerID(_ role: SignalingState.Role) -> String {
        let bits = UInt64.random(in: 0...UInt64.max) >> 16
        let hex = String(bits, radix: 16)
        return "\(role.rawValue)-" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}

extension SignalingHub {
    /// The identity the per-principal viewer cap counts (`token:home`, `jwt:alice`); nil with authentication
    /// disabled, where everyone is the same anonymous principal.
    static func identity(of principal: Principal) -> String? {
        principal.kind == .anonymous ? nil : "\(principal.kind.rawValue):\(principal.name)"
    }

    /// What `principal` may do on `thing` for push to talk: its name and its roles there.
    static func speaker(_ principal: Principal, on thing: String) -> SignalingState.Speaker {
        .init(
            name: principal.name,
            roles: Set(RobotServer.Role.allCases.filter { principal.permissions.permits($0, robot: thing) }))
    }
}
