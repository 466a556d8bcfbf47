import Basics
import SignalingProtocol
import StrictJSON

/// One robot's signaling room as a pure state machine: who is connected (at most one producer, any number
/// of viewers up to a limit), and what to send to whom when someone joins, leaves or sends a frame.
///
/// Events return ``Action``s carrying the contract's typed frames (``ServerFrame``, module `SignalingProtocol`,
/// `docs/SIGNALING.md`); ``SignalingHub`` performs them and encodes each frame. The producer offers, one peer
/// connection per viewer; frames between them are relayed with the `viewer` field naming the viewer on the
/// producer's side only. The server never trusts a `viewer` field a viewer sends: it writes its own. One viewer at a
/// time may talk through the robot's speaker (``talker``, `SignalingState+Talk.swift`).
struct SignalingState: Sendable {
    typealias Role = PeerRole

    /// Why the server closes a peer's socket.
    enum CloseReason: Sendable, Equatable {
        /// A newer producer for the same robot connected.
        case replaced
        /// The robot already has as many viewers as `video.maxViewers` allows.
        case tooManyViewers
        /// This viewer's principal already holds `video.maxViewersPerPrincipal` of the robot's viewers.
        case tooManyViewersForPrincipal
        /// The peer sent frames faster than its signaling rate limit, or faster than the producer reads them;
        /// the text says which (``SignalingHub``).
        case rateLimited(String)
        /// The robot's room moved to another robot-server instance (``moveOut()``): reconnect.
        case moved

        /// The contract's close code (``SignalingCloseCode``), and a reason for logs and pages (at most 123 bytes,
        /// as a close frame allows).
        var code: UInt16 {
            let code: SignalingCloseCode =
                switch self {
                case .replaced: .replaced
                case .tooManyViewers: .tooManyViewers
                case .tooManyViewersForPrincipal: .tooManyViewersForPrincipal
                case .rateLimited: .rateLimited
                case .moved: .moved
                }
            return code.rawValue
        }

        var text: String {
            switch self {
            case .replaced: "replaced by a newer producer for this robot"
            case .tooManyViewers: "this robot has too many viewers"
            case .tooManyViewersForPrincipal: "this token already holds its share of this robot's viewers"
            case .rateLimited(let text): text
            case .moved: "this robot's room moved to another robot-server instance; reconnect"
            }
        }
    }

    enum Action: Sendable, Equatable {
        case send(String, ServerFrame)
        case close(String, CloseReason)
    }

    /// The robot's thing name, as refusals name it.
    let thing: String
    let iceServers: [ICEServer]
    /// Mints each peer's TURN credentials (`video.turn`), listed after ``iceServers``; nil: static servers only.
    let turn: TURNCredentialMinter?
    let maxViewers: Int
    let maxViewersPerPrincipal: Int
    private(set) var producer: String?
    /// In order of arrival, so a new producer hears of them in that order.
    private(set) var viewers: [String] = []
    /// Whose each viewer is (a principal's identity); viewers without one (authentication disabled) are not here.
    private(set) var principals: [String: String] = [:]
    /// What each viewer may do on this robot and how the `talker` frame names it (push to talk; set on join and
    /// leave, read by the talk events).
    var speakers: [String: Speaker] = [:]
    /// The viewer whose audio the robot's speaker plays, or nil: one talker per robot (changed only through
    /// ``talkerChanged(to:)``).
    var talker: String?
    /// The robot's latest telemetry, for viewers who join later (robotd publishes on changes and heartbeats).
    private(set) var lastTelemetry: JSONValue?
    /// When each viewer last had its peer connection restarted (`restart`, `SignalingState+Restart.swift`).
    var restartedAt: [String: ContinuousClock.Instant] = [:]
    /// The robot's control lease as last announced (`SignalingState+Control.swift`).
    var lease: ControlLease

    init(
        thing: String = "this robot", iceServers: [ServerConfig.ICEServer], maxViewers: Int,
        maxViewersPerPrincipal: Int? = nil, turn: TURNCredentialMinter? = nil,
        idleSeconds: Int = ServerConfig.Control().idleSeconds
    ) {
        self.thing = thing
        lease = ControlLease(idleSeconds: idleSeconds)
        self.iceServers = iceServers
        self.turn = turn
        self.maxViewers = maxViewers
        self.maxViewersPerPrincipal = maxViewersPerPrincipal ?? maxViewers
    }

    /// How many viewers `principal` holds now.
    func viewerCount(of principal: String) -> Int {
        principals.values.count { $0 == principal }
    }

    func role(of peer: String) -> Role? {
        if peer == producer { return .producer }
        return viewers.contains(peer) ? .viewer : nil
    }

    /// A new socket: welcome it, tell it who talks (and a viewer who drives), and tell the other side. `principal` is who opened it (nil: nobody
    /// known, as with authentication disabled), for the per-principal viewer cap; `speaker` is what a viewer may do
    /// here (nobody named, no role: it may watch but not talk); `time` is the wall clock's, for minting TURN
    /// credentials.
    mutating func join(
        _ peer: String, as role: Role, principal: String? = nil, speaker: Speaker = Speaker(name: nil, roles: []),
        at time: Timestamp = .now()
    ) -> [Action] {
        switch role {
        case .viewer:
            guard viewers.count < maxViewers else {
                return [
                    .send(peer, Self.error(CloseReason.tooManyViewers.text + " (at most \(maxViewers))")),
                    .close(peer, .tooManyViewers),
                ]
            }
            if let principal, viewerCount(of: principal) >= maxViewersPerPrincipal {
                let text =
                    CloseReason.tooManyViewersForPrincipal.text
                    + " (at most \(maxViewersPerPrincipal), video.maxViewersPerPrincipal)"
                return [
                    .send(peer, Self.error(text)),
                    .close(peer, .tooManyViewersForPrincipal),
                ]
            }
            viewers.append(peer)
            principals[peer] = principal
            speakers[peer] = speaker
            var actions: [Action] = [
                .send(peer, welcome(peer, role, at: time)),
                .send(peer, talkerFrame),
                .send(peer, controlFrame(for: peer)),
                .send(peer, .producer(online: producer != nil)),
            ]
            if let lastTelemetry {
                actions.append(.send(peer, .telemetry(lastTelemetry)))
            }
            if let producer {
                actions.append(.send(producer, viewerJoined(peer, producer: producer, at: time)))
            }
            return actions
        case .producer:
            var actions: [Action] = []
            if let old = producer {
                // The viewers' peer connections were with the old producer: they start over.
                actions.append(.close(old, .replaced))
                actions += viewers.map { .send($0, .producer(online: false)) }
            }
            producer = peer
            actions.append(.send(peer, welcome(peer, role, at: time)))
            actions.append(.send(peer, talkerFrame))
            for viewer in viewers {
                actions.append(.send(viewer, .producer(online: true)))
                actions.append(.send(peer, viewerJoined(viewer, producer: peer, at: time)))
            }
            return actions
        }
    }

    /// A socket closed (or was closed by the server). A replaced producer is already gone: nothing happens.
    mutating func leave(_ peer: String) -> [Action] {
        if peer == producer {
            producer = nil
            return viewers.map { .send($0, .producer(online: false)) }
        }
        guard let index = viewers.firstIndex(of: peer) else { return [] }
        viewers.remove(at: index)
        principals[peer] = nil
        speakers[peer] = nil
        restartedAt[peer] = nil
        var actions: [Action] = producer.map { [.send($0, .viewerLeft(viewer: peer))] } ?? []
        if talker == peer {
            actions += talkerChanged(to: nil)
        }
        return actions
    }

    /// The robot's room moved to another instance (a newer producer connected there, `docs/SIGNALING.md`): every
    /// viewer is closed with ``CloseReason/moved`` and reconnects, the producer with ``CloseReason/replaced``.
    /// The hub performs the closes, and each peer leaves the room as it is closed.
    func moveOut() -> [Action] {
        (producer.map { [.close($0, .replaced)] } ?? []) + viewers.map { .close($0, .moved) }
    }

    /// A text frame from `peer`: relayed, decided (a viewer's `talk` or `restart`), or answered with an error frame
    /// saying what is wrong with it (the frame's checks are the wire contract's, ``PeerFrame`` and ``ViewerFrame``;
    /// whether its viewer or producer is here, and who may talk, is the room's).
    mutating func received(_ text: String, from peer: String, now: ContinuousClock.Instant = .now) -> [Action] {
        do {
            switch role(of: peer) {
            case .producer?:
                return fromProducer(try PeerFrame(parsing: text, from: .producer), peer: peer)
            case .viewer?:
                switch try ViewerFrame(parsing: text) {
                case .negotiation(let frame): return fromViewer(frame, peer: peer)
                case .talk(let on): return talk(on, from: peer)
                case .restart: return restart(from: peer, now: now)
                }
            case nil:
                return []
            }
        } catch {
            return [.send(peer, Self.error(error.message))]
        }
    }

    /// A telemetry message of this robot, for every viewer now and (the latest) for those who join later.
    mutating func telemetry(_ data: JSONValue) -> [Action] {
        lastTelemetry = data
        return viewers.map { .send($0, .telemetry(data)) }
    }

    /// The answer to a binary frame.
    static let binaryRefused = error("binary frames are not part of the signaling protocol: send JSON text frames")

    private func fromProducer(_ frame: PeerFrame, peer: String) -> [Action] {
        let viewer = frame.viewer ?? ""
        guard viewers.contains(viewer) else {
            return [.send(peer, Self.error("no viewer \(JSONValue.quoted(viewer)) is connected (it may have left)"))]
        }
        return [.send(viewer, .relayed(frame.relayed(viewer: nil)))]
    }

    private func fromViewer(_ frame: PeerFrame, peer: String) -> [Action] {
        guard let producer else {
            return [.send(peer, Self.error("the robot's video producer is not connected"))]
        }
        return [.send(producer, .relayed(frame.relayed(viewer: peer)))]
    }

    /// The static ``iceServers``, then — with `video.turn` — TURN credentials minted for `peer` at `time`: every
    /// (re)connection gets its own.
    private func welcome(_ peer: String, _ role: Role, at time: Timestamp) -> ServerFrame {
        let minted = turn.map { [$0.iceServer(for: peer, now: time)] } ?? []
        return .welcome(peer: peer, role: role, iceServers: iceServers + minted)
    }

    /// `viewer-joined` for `producer`: with `video.turn`, fresh credentials (the producer's, minted at `time`) for
    /// that viewer's peer connection, so a producer connected for longer than their lifetime still reaches the relay.
    func viewerJoined(_ viewer: String, producer: String, at time: Timestamp) -> ServerFrame {
        .viewerJoined(viewer: viewer, iceServers: turn.map { iceServers + [$0.iceServer(for: producer, now: time)] })
    }

    static func error(_ message: String) -> ServerFrame {
        .error(message: message)
    }
}
