/// What the producer sends a viewer through the signaling connection, in the producer's terms; on robot-server
/// ``frame`` is the contract's ``PeerFrame``, ``text`` the text frame (`{"type":"offer","viewer":…,"sdp":…}`,
/// `{"type":"ice","viewer":…,"candidate":…,"sdpMLineIndex":…}`); the KVS transport encodes them its own way.
public enum ProducerMessage: Sendable, Equatable {
    /// Our offer, when the producer offers (robot-server's `viewer-joined`).
    case offer(viewer: String, sdp: String)
    /// Our answer to the viewer's offer (``SignalingMessage/offer(viewer:sdp:)``, KVS's `SDP_OFFER`).
    case answer(viewer: String, sdp: String)
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)

    /// The frame, as robot-server reads it with ``PeerFrame/init(parsing:from:)``.
    public var frame: PeerFrame {
        switch self {
        case .offer(let viewer, let sdp):
            PeerFrame(.offer(sdp: sdp), viewer: viewer)
        case .answer(let viewer, let sdp):
            PeerFrame(.answer(sdp: sdp), viewer: viewer)
        case .candidate(let viewer, let candidate, let index):
            PeerFrame(.ice(candidate: candidate, sdpMLineIndex: Int(index)), viewer: viewer)
        }
    }

    /// The JSON text frame.
    public var text: String { frame.text }
}
