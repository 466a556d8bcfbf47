public import StrictJSON

/// A negotiation frame — an `offer`, an `answer` or an `ice` candidate — between the producer and one viewer, which
/// robot-server checks (``init(parsing:from:)``) and passes on (``ServerFrame/relayed(_:)``).
///
/// The producer sends `offer` and `ice` naming the viewer they are for (`viewer`); a viewer sends `answer` and
/// `ice`. The server passes a frame on as it came — ``fields``, unknown ones included — with only `viewer` changed:
/// removed towards a viewer, set to the sender's peer id towards the producer (``relayed(viewer:)``).
public struct PeerFrame: Sendable, Equatable {
    /// Who sends robot-server the frame.
    public typealias Sender = PeerRole

    /// What the frame carries.
    public enum Content: Sendable, Equatable {
        case offer(sdp: String)
        case answer(sdp: String)
        /// `candidate` is empty at the end of candidates; `sdpMLineIndex` may be absent or null.
        case ice(candidate: String, sdpMLineIndex: Int?)

        /// The frame's `type`.
        public var type: String {
            switch self {
            case .offer: "offer"
            case .answer: "answer"
            case .ice: "ice"
            }
        }
    }

    /// The largest `sdpMLineIndex` (``SignalingLimits/maxSDPMLineIndex``).
    public static let maxSDPMLineIndex = SignalingLimits.maxSDPMLineIndex

    public let content: Content
    /// The viewer at the producer's end of the frame: the one a producer's frame is for, or the one a frame relayed
    /// to the producer came from. Nil in a frame between a viewer and the server (the server writes the sender there,
    /// never trusting what a viewer claims).
    public let viewer: String?
    /// Every field, in order: as received, or as ``init(_:viewer:)`` wrote them.
    public let fields: JSONObject

    /// A new frame: `type`, then `viewer` if any, then the content's fields (an absent index is left out).
    public init(_ content: Content, viewer: String?) {
        var fields: JSONObject = ["type": .string(content.type)]
        fields["viewer"] = viewer.map(JSONValue.string)
        switch content {
        case .offer(let sdp), .answer(let sdp):
            fields["sdp"] = .string(sdp)
        case .ice(let candidate, let index):
            fields["candidate"] = .string(candidate)
            fields["sdpMLineIndex"] = index.map { .number(Double($0)) }
        }
        self.init(content: content, viewer: viewer, fields: fields)
    }

    init(content: Content, viewer: String?, fields: JSONObject) {
        self.content = content
        self.viewer = viewer
        self.fields = fields
    }

    /// This frame as the server passes it on: `viewer` set to the given peer id (in place, or appended), or removed
    /// when nil; every other field unchanged.
    public func relayed(viewer: String?) -> PeerFrame {
        var fields = fields
        fields["viewer"] = viewer.map(JSONValue.string)
        return PeerFrame(content: content, viewer: viewer, fields: fields)
    }

    /// The frame as JSON: its ``fields``.
    public var json: JSONValue { .object(fields) }

    /// The text frame.
    public var text: String { json.serializedString() }
}
