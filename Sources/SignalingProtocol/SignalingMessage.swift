/// What the producer hears from its signaling connection, in the producer's terms. From robot-server
/// (`/robots/{thing}/signal?role=producer`): the contract's ``ServerFrame`` as the producer reads it
/// (``parse(_:)``, which is ``ServerFrame/parse(_:for:)`` with `.producer`); frames meant for viewers only
/// (`producer`, `telemetry`, `control`, `offer`) and types this version does not know are ``ignored(type:)``. From
/// KVS (the viewer offers): ``offer(viewer:sdp:)``, ``candidate(viewer:candidate:sdpMLineIndex:)`` and
/// ``iceServers(_:)``, which that transport makes from KVS's messages.
public enum SignalingMessage: Sendable, Equatable {
    /// The first frame: our peer id and the ICE servers every peer connection should use.
    case welcome(peer: String, iceServers: [ICEServer])
    /// A viewer wants video: make it a peer connection and an offer, with `iceServers` when the server sent some
    /// for this viewer (fresh TURN credentials), else the welcome's.
    case viewerJoined(viewer: String, iceServers: [ICEServer]? = nil)
    /// A viewer went away: free its peer connection.
    case viewerLeft(viewer: String)
    /// The viewer's answer to our offer.
    case answer(viewer: String, sdp: String)
    /// The viewer's offer (KVS's `SDP_OFFER`): answer it with a new peer connection, using the current ICE servers.
    /// Another offer from the same viewer replaces its peer connection (as a second `viewer-joined` does).
    case offer(viewer: String, sdp: String)
    /// The ICE servers for peer connections made from now on (KVS's TURN configuration, fetched and refreshed by the
    /// transport); the ones already made keep theirs.
    case iceServers([ICEServer])
    /// One of the viewer's ICE candidates (`candidate` may be empty: end of candidates; an absent index is 0).
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)
    /// The server refused one of our frames; the socket stays open.
    case error(message: String)
    /// Whose audio the robot's speaker plays now: that viewer's peer id, or nil for nobody.
    case talker(viewer: String?)
    /// A well-formed frame of a type the producer has no use for.
    case ignored(type: String)

    /// Parses one text frame. Throws ``SignalingMessageError`` naming the field at fault.
    public static func parse(_ text: String) throws(SignalingMessageError) -> SignalingMessage {
        let (type, frame) = try ServerFrame.parse(text, for: .producer)
        switch frame {
        case .welcome(let peer, _, let servers)?:
            return .welcome(peer: peer, iceServers: servers)
        case .viewerJoined(let viewer, let servers)?:
            return .viewerJoined(viewer: viewer, iceServers: servers)
        case .viewerLeft(let viewer)?:
            return .viewerLeft(viewer: viewer)
        case .error(let message)?:
            return .error(message: message)
        case .talker(let viewer, _)?:
            return .talker(viewer: viewer)
        case .relayed(let relayed)?:
            // parse(_:for: .producer) has required the viewer of every frame relayed to the producer.
            let viewer = relayed.viewer ?? ""
            switch relayed.content {
            case .answer(let sdp):
                return .answer(viewer: viewer, sdp: sdp)
            case .ice(let candidate, let index):
                return .candidate(viewer: viewer, candidate: candidate, sdpMLineIndex: UInt32(index ?? 0))
            case .offer:
                return .ignored(type: type)
            }
        case .producer?, .telemetry?, .control?, nil:
            return .ignored(type: type)
        }
    }
}
