public import StrictJSON

/// A frame robot-server sends a peer (`docs/SIGNALING.md`). robot-server makes these values and encodes them here
/// (``json``, ``text``); a receiver reads them back with ``parse(_:for:)``.
public enum ServerFrame: Sendable, Equatable {
    /// The first frame on every socket: the peer's id, its role and the ICE servers every peer connection uses.
    case welcome(peer: String, role: PeerRole, iceServers: [ICEServer])
    /// To viewers: whether the robot's producer is connected (on joining, and whenever it changes).
    case producer(online: Bool)
    /// To viewers: a message the robot published on its telemetry topic, as it came.
    case telemetry(JSONValue)
    /// To the producer: a viewer wants video (also sent for each viewer already waiting when the producer connects).
    /// `iceServers`, when present, replace the welcome's for this viewer's peer connection: robot-server mints fresh
    /// TURN credentials for each viewer (`video.turn`), so a producer connected for days still reaches the relay.
    /// Absent from servers without `video.turn` and older ones; a producer that does not know it ignores it.
    case viewerJoined(viewer: String, iceServers: [ICEServer]? = nil)
    /// To the producer: a viewer went away.
    case viewerLeft(viewer: String)
    /// To the sender of a frame the server refused; the socket stays open.
    case error(message: String)
    /// To the producer and every viewer: who may talk through the robot's speaker now (push to talk, one talker per
    /// robot). `viewer` is the talker's peer id and `name` its principal's name; both nil when nobody talks. Sent on
    /// joining and whenever it changes.
    case talker(viewer: String?, name: String?)
    /// To viewers: who drives the robot (its control lease) and what this viewer may do about it, personalised per
    /// viewer (`you`). Sent right after `talker` on joining and whenever the lease changes; never to the producer.
    case control(ControlStatus)
    /// A peer's offer, answer or candidate, passed on: to a viewer without `viewer`, to the producer with `viewer`
    /// naming the viewer it came from (``PeerFrame/relayed(viewer:)``); every other field as the sender wrote it.
    case relayed(PeerFrame)

    /// The frame as JSON, members in the order the contract shows them.
    public var json: JSONValue {
        switch self {
        case .welcome(let peer, let role, let iceServers):
            [
                "type": "welcome", "peer": .string(peer), "role": .string(role.rawValue),
                "iceServers": .array(iceServers.map(\.json)),
            ]
        case .producer(let online): ["type": "producer", "online": .bool(online)]
        case .telemetry(let data): ["type": "telemetry", "data": data]
        case .viewerJoined(let viewer, let iceServers):
            if let iceServers {
                ["type": "viewer-joined", "viewer": .string(viewer), "iceServers": .array(iceServers.map(\.json))]
            } else {
                ["type": "viewer-joined", "viewer": .string(viewer)]
            }
        case .viewerLeft(let viewer): ["type": "viewer-left", "viewer": .string(viewer)]
        case .error(let message): ["type": "error", "message": .string(message)]
        case .talker(let viewer, let name):
            [
                "type": "talker", "viewer": viewer.map(JSONValue.string) ?? .null,
                "name": name.map(JSONValue.string) ?? .null,
            ]
        case .control(let status): .object(JSONObject([("type", "control")] + status.members))
        case .relayed(let frame): frame.json
        }
    }

    /// The text frame.
    public var text: String { json.serializedString() }
}
