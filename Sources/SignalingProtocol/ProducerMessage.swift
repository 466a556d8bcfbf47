/// What the producer sends robot-server, in the producer's terms; ``frame`` is the contract's ``PeerFrame``, ``text``
/// the text frame (`{"type":"offer","viewer":…,"sdp":…}`, `{"type":"ice","viewer":…,"candidate":…,"sdpMLineIndex":…}`).
public enum ProducerMessage: Sendable, Equatable {
    case offer(viewer: String, sdp: String)
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)

    /// The frame, as robot-server reads it with ``PeerFrame/init(parsing:from:)``.
    public var frame: PeerFrame {
        switch self {
        case .offer(let viewer, let sdp):
            PeerFrame(.offer(sdp: sdp), viewer: viewer)
        case .candidate(let viewer, let candidate, let index):
            PeerFrame(.ice(candidate: candidate, sdpMLineIndex: Int(index)), viewer: viewer)
        }
    }

    /// The JSON text frame.
    public var text: String { frame.text }
}
