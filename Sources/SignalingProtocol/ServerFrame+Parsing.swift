import StrictJSON

extension ServerFrame {
    /// Reads a text frame robot-server sent a peer in `receiver`'s role. Returns the frame's `type` and the frame;
    /// the frame is nil for a well-formed frame of a type meant for the other role or unknown to this version, which
    /// a receiver ignores (a newer server may send more). Throws ``SignalingMessageError`` naming the field at fault.
    ///
    /// Lenient where the producer always was: a welcome without `peer` or `role` (the receiver's role), an error
    /// without `message`, a candidate without `candidate` (the end of candidates) or with an `sdpMLineIndex` that is
    /// absent, null or not an integer (nil) read as defaults; an index out of 0…65535 is refused.
    public static func parse(
        _ text: String, for receiver: PeerRole
    ) throws(SignalingMessageError) -> (type: String, frame: ServerFrame?) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw SignalingMessageError("not JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw SignalingMessageError("expected a JSON object, got \(value.typeName)")
        }
        let type = try object.requiredString("type")
        return (type, try ServerFrame(object, type: type, for: receiver))
    }

    /// The frame `object` of `type` is for `receiver`; nil when the receiver has no use for that type.
    init?(_ object: JSONObject, type: String, for receiver: PeerRole) throws(SignalingMessageError) {
        switch (type, receiver) {
        case ("welcome", _):
            let servers = try ICEServer.list(object["iceServers"], keyPath: "welcome.iceServers") ?? []
            let role = object["role"]?.stringValue.flatMap(PeerRole.init(rawValue:)) ?? receiver
            self = .welcome(peer: object["peer"]?.stringValue ?? "", role: role, iceServers: servers)
        case ("error", _):
            self = .error(message: object["message"]?.stringValue ?? "(no message)")
        case ("talker", _):
            self = .talker(viewer: try object.optionalString("viewer"), name: try object.optionalString("name"))
        case ("viewer-joined", .producer):
            self = .viewerJoined(
                viewer: try object.requiredString("viewer"),
                iceServers: try ICEServer.list(object["iceServers"], keyPath: "viewer-joined.iceServers"))
        case ("viewer-left", .producer):
            self = .viewerLeft(viewer: try object.requiredString("viewer"))
        case ("answer", .producer), ("ice", .producer), ("offer", .viewer), ("ice", .viewer):
            self = .relayed(try PeerFrame(relayed: object, type: type, to: receiver))
        case ("producer", .viewer):
            guard let online = object["online"]?.boolValue else {
                throw SignalingMessageError(
                    "online: expected a boolean, got \(object["online"]?.typeName ?? "nothing")")
            }
            self = .producer(online: online)
        case ("telemetry", .viewer):
            self = .telemetry(object["data"] ?? .null)
        case ("control", .viewer):
            self = .control(try ControlStatus(object))
        default:
            return nil
        }
    }
}

extension JSONObject {
    /// The string member `key`; nil when it is absent or null, the error naming it when it is something else.
    func optionalString(_ key: String) throws(SignalingMessageError) -> String? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw SignalingMessageError("\(key): expected a string or null, got \(value.typeName)")
        }
        return text
    }

    /// The string member `key`, or the error naming it.
    func requiredString(_ key: String) throws(SignalingMessageError) -> String {
        guard let value = self[key] else {
            throw SignalingMessageError("\(key): missing (frame type \(self["type"]?.stringValue ?? "?"))")
        }
        guard let text = value.stringValue else {
            throw SignalingMessageError("\(key): expected a string, got \(value.typeName)")
        }
        return text
    }
}
