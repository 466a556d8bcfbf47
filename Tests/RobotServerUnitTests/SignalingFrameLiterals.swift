import SignalingProtocol
import StrictJSON
import Testing

/// Lets a test write the frame it expects as the JSON a peer reads — `["type": "producer", "online": false]` — as the
/// signaling tests did before the room made typed frames. The literal is read back as the contract's frame and must
/// encode to exactly that JSON, so comparing frames still compares what goes on the wire; a literal that does not
/// is recorded as an issue (and stands for an error frame no room sends).
extension ServerFrame: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        let json = JSONValue.object(JSONObject(elements))
        let type = json["type"]?.stringValue ?? ""
        let receiver: PeerRole =
            json["viewer"] != nil || ["viewer-joined", "viewer-left", "answer"].contains(type) ? .producer : .viewer
        guard let frame = try? ServerFrame.parse(json.serializedString(), for: receiver).frame, frame.json == json
        else {
            Issue.record("\(json) is not a frame the server sends a \(receiver.rawValue)")
            self = .error(message: "unreadable literal \(json)")
            return
        }
        self = frame
    }
}
