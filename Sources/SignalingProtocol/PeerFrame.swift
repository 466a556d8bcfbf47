public import StrictJSON

/// A frame a peer sends robot-server, checked against the contract (`docs/SIGNALING.md`): a JSON object whose
/// `type` the sender may send — the producer `offer` or `ice` for one viewer (`viewer`), a viewer `answer` or
/// `ice` — with its fields well formed. The server relays ``fields`` (unknown fields included) to the other side.
public struct PeerFrame: Sendable, Equatable {
    /// Who sends robot-server the frame.
    public enum Sender: String, Sendable {
        case producer
        case viewer
    }

    /// What the frame carries.
    public enum Content: Sendable, Equatable {
        case offer(sdp: String)
        case answer(sdp: String)
        /// `candidate` is empty at the end of candidates; `sdpMLineIndex` may be absent or null.
        case ice(candidate: String, sdpMLineIndex: Int?)
    }

    /// The largest `sdpMLineIndex` (media sections in one session description); what webrtcbin takes.
    public static let maxSDPMLineIndex = Int(UInt16.max)

    public let content: Content
    /// The viewer a producer's frame is for; nil in a viewer's frame (the server writes the sender there, never
    /// trusting what a viewer claims).
    public let viewer: String?
    /// Every field as received.
    public let fields: JSONObject

    /// Parses and checks one text frame from `sender`; the error is the message for the sender.
    public init(parsing text: String, from sender: Sender) throws(SignalingFrameError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw SignalingFrameError("the frame is not JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw SignalingFrameError("a frame must be a JSON object")
        }
        guard let type = object["type"]?.stringValue else {
            throw SignalingFrameError("the frame has no \"type\" string")
        }
        switch (sender, type) {
        case (.producer, "offer"), (.producer, "ice"), (.viewer, "answer"), (.viewer, "ice"):
            break
        case (.producer, _):
            throw SignalingFrameError("a producer sends offer or ice, not \(JSONValue.quoted(type))")
        case (.viewer, _):
            throw SignalingFrameError("a viewer sends answer or ice, not \(JSONValue.quoted(type))")
        }
        if sender == .producer {
            guard let viewer = object["viewer"]?.stringValue else {
                throw SignalingFrameError("\(type): \"viewer\" must be the viewer's peer id (a string)")
            }
            self.viewer = viewer
        } else {
            viewer = nil
        }
        content = try Self.content(object, type: type)
        fields = object
    }

    private static func content(_ object: JSONObject, type: String) throws(SignalingFrameError) -> Content {
        if type == "ice" {
            guard let candidate = object["candidate"]?.stringValue else {
                throw SignalingFrameError("ice: \"candidate\" must be a string (\"\" for the end of candidates)")
            }
            guard let index = object["sdpMLineIndex"], !index.isNull else {
                return .ice(candidate: candidate, sdpMLineIndex: nil)
            }
            guard let number = index.intValue, (0...maxSDPMLineIndex).contains(number) else {
                throw SignalingFrameError(
                    "ice: \"sdpMLineIndex\" must be a non-negative integer (at most \(maxSDPMLineIndex)), "
                        + "got \(index.summary())")
            }
            return .ice(candidate: candidate, sdpMLineIndex: number)
        }
        guard let sdp = object["sdp"]?.stringValue, !sdp.isEmpty else {
            throw SignalingFrameError("\(type): \"sdp\" must be the session description (a non-empty string)")
        }
        return type == "offer" ? .offer(sdp: sdp) : .answer(sdp: sdp)
    }
}
