import StrictJSON

/// What the producer sends robot-server; ``text`` is the frame.
public enum ProducerMessage: Sendable, Equatable {
    case offer(viewer: String, sdp: String)
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)

    /// The JSON text frame.
    public var text: String {
        let object: JSONObject =
            switch self {
            case .offer(let viewer, let sdp):
                ["type": "offer", "viewer": .string(viewer), "sdp": .string(sdp)]
            case .candidate(let viewer, let candidate, let index):
                [
                    "type": "ice", "viewer": .string(viewer), "candidate": .string(candidate),
                    "sdpMLineIndex": .number(Double(index)),
                ]
            }
        return JSONValue.object(object).serializedString()
    }
}
