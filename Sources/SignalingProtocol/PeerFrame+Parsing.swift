import StrictJSON

extension PeerFrame {
    /// Parses and checks one negotiation frame from `sender`, as robot-server does; the error is the message for the
    /// sender. A viewer's `talk` is not one: robot-server reads a viewer's frames with ``ViewerFrame/init(parsing:)``.
    public init(parsing text: String, from sender: Sender) throws(SignalingFrameError) {
        let (object, type) = try Self.object(parsing: text)
        try self.init(object, type: type, from: sender)
    }

    /// A peer's text frame as a JSON object and its `type`, or the message saying why it is not one.
    static func object(parsing text: String) throws(SignalingFrameError) -> (JSONObject, type: String) {
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
        return (object, type)
    }

    /// Checks the negotiation frame `object` of `type` from `sender`.
    init(_ object: JSONObject, type: String, from sender: Sender) throws(SignalingFrameError) {
        switch (sender, type) {
        case (.producer, "offer"), (.producer, "ice"), (.viewer, "answer"), (.viewer, "ice"):
            break
        case (.producer, _):
            throw SignalingFrameError("a producer sends offer or ice, not \(JSONValue.quoted(type))")
        case (.viewer, "talk"), (.viewer, "restart"):
            throw SignalingFrameError(
                "\(type) is a request to the server, not a frame for the producer (ViewerFrame)")
        case (.viewer, _):
            throw SignalingFrameError("a viewer sends talk, restart, answer or ice, not \(JSONValue.quoted(type))")
        }
        var viewer: String?
        if sender == .producer {
            guard let name = object["viewer"]?.stringValue else {
                throw SignalingFrameError("\(type): \"viewer\" must be the viewer's peer id (a string)")
            }
            viewer = name
        }
        self.init(content: try Self.content(object, type: type), viewer: viewer, fields: object)
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

    /// Reads a frame the server relayed to `receiver` (``ServerFrame/parse(_:for:)``): the producer's have `viewer`.
    /// Lenient as a receiver always was: an `ice` without `candidate` is the end of candidates, an `sdpMLineIndex`
    /// that is not an integer is nil; one out of 0…65535 is refused.
    init(relayed object: JSONObject, type: String, to receiver: PeerRole) throws(SignalingMessageError) {
        let content: Content
        let viewer: String?
        if type == "ice" {
            let index = object["sdpMLineIndex"]?.intValue
            if let index, !(0...Self.maxSDPMLineIndex).contains(index) {
                throw SignalingMessageError("ice.sdpMLineIndex: \(index) is out of range")
            }
            viewer = receiver == .producer ? try object.requiredString("viewer") : nil
            content = .ice(candidate: object["candidate"]?.stringValue ?? "", sdpMLineIndex: index)
        } else {
            viewer = receiver == .producer ? try object.requiredString("viewer") : nil
            let sdp = try object.requiredString("sdp")
            content = type == "offer" ? .offer(sdp: sdp) : .answer(sdp: sdp)
        }
        self.init(content: content, viewer: viewer, fields: object)
    }
}
