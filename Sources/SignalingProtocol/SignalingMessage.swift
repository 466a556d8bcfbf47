import StrictJSON

/// A frame robot-server sends the producer on `/robots/{thing}/signal?role=producer` (contract:
/// `docs/SIGNALING.md`). Frames meant for viewers only (`producer`, `telemetry`) are ``ignored(type:)``.
public enum SignalingMessage: Sendable, Equatable {
    /// The first frame: our peer id and the ICE servers every peer connection should use.
    case welcome(peer: String, iceServers: [ICEServer])
    /// A viewer wants video: make it a peer connection and an offer.
    case viewerJoined(viewer: String)
    /// A viewer went away: free its peer connection.
    case viewerLeft(viewer: String)
    /// The viewer's answer to our offer.
    case answer(viewer: String, sdp: String)
    /// One of the viewer's ICE candidates (`candidate` may be empty: end of candidates).
    case candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32)
    /// The server refused one of our frames; the socket stays open.
    case error(message: String)
    /// A well-formed frame of a type the producer has no use for.
    case ignored(type: String)

    /// Parses one text frame. Throws ``SignalingMessageError`` naming the field at fault.
    public static func parse(_ text: String) throws(SignalingMessageError) -> SignalingMessage {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw SignalingMessageError("not JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw SignalingMessageError("expected a JSON object, got \(value.typeName)")
        }
        let type = try string(object, "type")
        switch type {
        case "welcome":
            var servers: [ICEServer] = []
            if let list = object["iceServers"], !list.isNull {
                guard let array = list.arrayValue else {
                    throw SignalingMessageError("welcome.iceServers: expected an array, got \(list.typeName)")
                }
                for (index, entry) in array.enumerated() {
                    servers.append(try ICEServer(json: entry, keyPath: "welcome.iceServers[\(index)]"))
                }
            }
            return .welcome(peer: object["peer"]?.stringValue ?? "", iceServers: servers)
        case "viewer-joined":
            return .viewerJoined(viewer: try string(object, "viewer"))
        case "viewer-left":
            return .viewerLeft(viewer: try string(object, "viewer"))
        case "answer":
            return .answer(viewer: try string(object, "viewer"), sdp: try string(object, "sdp"))
        case "ice":
            let index = object["sdpMLineIndex"]?.intValue ?? 0
            guard (0...PeerFrame.maxSDPMLineIndex).contains(index) else {
                throw SignalingMessageError("ice.sdpMLineIndex: \(index) is out of range")
            }
            return .candidate(
                viewer: try string(object, "viewer"), candidate: object["candidate"]?.stringValue ?? "",
                sdpMLineIndex: UInt32(index))
        case "error":
            return .error(message: object["message"]?.stringValue ?? "(no message)")
        default:
            return .ignored(type: type)
        }
    }

    private static func string(_ object: JSONObject, _ key: String) throws(SignalingMessageError) -> String {
        guard let value = object[key] else {
            throw SignalingMessageError("\(key): missing (frame type \(object["type"]?.stringValue ?? "?"))")
        }
        guard let text = value.stringValue else {
            throw SignalingMessageError("\(key): expected a string, got \(value.typeName)")
        }
        return text
    }
}
