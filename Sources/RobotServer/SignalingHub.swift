import Logging
import StrictJSON
import Synchronization

/// One robot's signaling room: the ``SignalingState`` behind a lock, and one outbound mailbox per socket.
///
/// Every event runs under the lock and only queues frames (nothing waits), so frames reach each socket in
/// the order the events happened, whichever connection's task or the MQTT thread caused them. Each socket's
/// own task drains its mailbox. A socket that does not keep up (``mailboxSize`` frames waiting) loses its
/// mailbox, which ends its connection; its leave is handled like any other.
final class SignalingHub: Sendable {
    /// What a socket's task writes: a text frame, or a close with a code and reason.
    enum Outbound: Sendable, Equatable {
        case text(String)
        case close(code: UInt16, reason: String)
    }

    /// Frames queued for one socket before it counts as stuck.
    static let mailboxSize = 256

    let thing: String
    let logger: Logger
    private let state: Mutex<(room: SignalingState, mailboxes: [String: AsyncStream<Outbound>.Continuation])>

    init(thing: String, video: ServerConfig.Video, logger: Logger) {
        self.thing = thing
        self.logger = logger
        state = Mutex((SignalingState(iceServers: video.iceServers, maxViewers: video.maxViewers), [:]))
    }

    /// How many viewers are connected now.
    var viewerCount: Int { state.withLock { $0.room.viewers.count } }

    /// Whether the robot's producer is connected now.
    var producerOnline: Bool { state.withLock { $0.room.producer != nil } }

    /// Registers a new socket: returns its peer id and the frames to write to it, starting with the welcome.
    func join(as role: SignalingState.Role) -> (peer: String, outbound: AsyncStream<Outbound>) {
        let peer = Self.newPeerID(role)
        let (stream, mailbox) = AsyncStream.makeStream(
            of: Outbound.self, bufferingPolicy: .bufferingOldest(Self.mailboxSize))
        state.withLock { state in
            state.mailboxes[peer] = mailbox
            perform(state.room.join(peer, as: role), on: &state.mailboxes)
        }
        logger.debug(
            "signaling: \(role.rawValue) joined", metadata: ["robot.thing": "\(thing)", "signal.peer": "\(peer)"])
        return (peer, stream)
    }

    /// A socket closed.
    func leave(_ peer: String) {
        let role = state.withLock { state in
            let role = state.room.role(of: peer)
            state.mailboxes.removeValue(forKey: peer)?.finish()
            perform(state.room.leave(peer), on: &state.mailboxes)
            return role
        }
        guard let role else { return }
        logger.debug(
            "signaling: \(role.rawValue) left", metadata: ["robot.thing": "\(thing)", "signal.peer": "\(peer)"])
    }

    /// A text frame from `peer`.
    func received(_ text: String, from peer: String) {
        state.withLock { state in
            perform(state.room.received(text, from: peer), on: &state.mailboxes)
        }
    }

    /// A binary frame from `peer`: refused with an error frame.
    func receivedBinary(from peer: String) {
        state.withLock { state in
            perform([.send(peer, SignalingState.binaryRefused)], on: &state.mailboxes)
        }
    }

    /// A message the robot published on its telemetry topic.
    func telemetry(_ data: JSONValue) {
        state.withLock { state in
            perform(state.room.telemetry(data), on: &state.mailboxes)
        }
    }

    private func perform(
        _ actions: [SignalingState.Action], on mailboxes: inout [String: AsyncStream<Outbound>.Continuation]
    ) {
        for action in actions {
            switch action {
            case .send(let peer, let frame):
                guard let mailbox = mailboxes[peer] else { continue }
                if case .dropped = mailbox.yield(.text(frame.serializedString())) {
                    logger.warning(
                        "signaling: \(peer) does not read its frames (\(Self.mailboxSize) waiting); closing it",
                        metadata: ["robot.thing": "\(thing)"])
                    mailboxes.removeValue(forKey: peer)?.finish()
                }
            case .close(let peer, let reason):
                guard let mailbox = mailboxes.removeValue(forKey: peer) else { continue }
                logger.notice(
                    "signaling: closing \(peer): \(reason.text)", metadata: ["robot.thing": "\(thing)"])
                mailbox.yield(.close(code: reason.code, reason: reason.text))
                mailbox.finish()
            }
        }
    }

    /// `producer-` or `viewer-` and 12 random hex digits: unguessable enough that one viewer cannot aim
    /// frames at another (the server writes the `viewer` field anyway).
    static func newPeerID(_ role: SignalingState.Role) -> String {
        let bits = UInt64.random(in: 0...UInt64.max) >> 16
        let hex = String(bits, radix: 16)
        return "\(role.rawValue)-" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}
