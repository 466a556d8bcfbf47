import FoundationEssentials
import StrictJSON

extension KVSMessage {
    /// Decodes one text frame from the service; refuses, with a one-line reason, what KVS would not send.
    public static func decode(_ text: String) throws(KVSMessageError) -> Inbound {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw KVSMessageError("not JSON: \(error)")
        }
        guard case .object = json else { throw KVSMessageError("a JSON \(json.typeName), not an object") }
        guard let type = json["messageType"]?.stringValue else { throw KVSMessageError("no string messageType") }
        switch type {
        case "GO_AWAY": return .goAway
        case "RECONNECT_ICE_SERVER": return .reconnectICEServer
        case "STATUS_RESPONSE":
            let status = json["statusResponse"]
            return .status(
                KVSStatusResponse(
                    correlationId: status?["correlationId"]?.stringValue, errorType: status?["errorType"]?.stringValue,
                    statusCode: status?["statusCode"]?.stringValue,
                    statusDescription: status?["description"]?.stringValue))
        case "SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE":
            guard let sender = json["senderClientId"]?.stringValue else {
                throw KVSMessageError("\(type) without a string senderClientId")
            }
            if let refusal = KVSClientID.refusal(sender, as: "senderClientId") {
                throw KVSMessageError("\(type): \(refusal)")
            }
            let payload = try decodedPayload(json["messagePayload"], of: type)
            switch type {
            case "SDP_OFFER": return .offer(from: sender, sdp: try sdp(payload, type: "offer", of: type))
            case "SDP_ANSWER": return .answer(from: sender, sdp: try sdp(payload, type: "answer", of: type))
            default: return .candidate(from: sender, try candidate(payload, of: type))
            }
        default:
            throw KVSMessageError("unknown messageType \(JSONValue.quoted(type))")
        }
    }

    /// `messagePayload`: base64 of a JSON object, at most ``maxPayloadBytes`` of base64.
    private static func decodedPayload(_ value: JSONValue?, of type: String) throws(KVSMessageError) -> JSONValue {
        guard let text = value?.stringValue else { throw KVSMessageError("\(type) without a string messagePayload") }
        guard text.utf8.count <= maxPayloadBytes else {
            throw KVSMessageError("\(type) messagePayload is \(text.utf8.count) bytes, more than \(maxPayloadBytes)")
        }
        guard let bytes = Data(base64Encoded: text) else {
            throw KVSMessageError("\(type) messagePayload is not base64")
        }
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(Array(bytes))
        } catch {
            throw KVSMessageError("\(type) messagePayload is not base64 of JSON: \(error)")
        }
        guard case .object = payload else {
            throw KVSMessageError("\(type) messagePayload is a JSON \(payload.typeName), not an object")
        }
        return payload
    }

    private static func sdp(_ payload: JSONValue, type: String, of message: String) throws(KVSMessageError) -> String {
        guard payload["type"]?.stringValue == type else {
            throw KVSMessageError("\(message) payload's type is not \"\(type)\"")
        }
        guard let sdp = payload["sdp"]?.stringValue, !sdp.isEmpty else {
            throw KVSMessageError("\(message) payload has no sdp")
        }
        return sdp
    }

    private static func candidate(_ payload: JSONValue, of message: String) throws(KVSMessageError) -> KVSCandidate {
        guard let line = payload["candidate"]?.stringValue else {
            throw KVSMessageError("\(message) payload has no string candidate")
        }
        let index = payload["sdpMLineIndex"]
        guard index == nil || index == .null || index?.intValue.map({ $0 >= 0 }) == true else {
            throw KVSMessageError("\(message) payload's sdpMLineIndex is not a whole number ≥ 0")
        }
        return KVSCandidate(candidate: line, sdpMid: payload["sdpMid"]?.stringValue, sdpMLineIndex: index?.intValue)
    }
}

extension KVSMessage.Outbound {
    /// The text frame to send; refuses a bad recipient id and a payload over the limit.
    public func encoded() throws(KVSMessageError) -> String {
        let action: String
        let recipient: String?
        let payload: JSONValue
        switch self {
        case .answer(let to, let sdp):
            (action, recipient, payload) = ("SDP_ANSWER", to, ["type": "answer", "sdp": .string(sdp)])
        case .offer(let to, let sdp):
            (action, recipient, payload) = ("SDP_OFFER", to, ["type": "offer", "sdp": .string(sdp)])
        case .candidate(let to, let candidate):
            var members: JSONObject = ["candidate": .string(candidate.candidate)]
            members["sdpMid"] = candidate.sdpMid.map(JSONValue.string) ?? .null
            members["sdpMLineIndex"] = candidate.sdpMLineIndex.map { .number(Double($0)) } ?? .null
            (action, recipient, payload) = ("ICE_CANDIDATE", to, .object(members))
        }
        var message: JSONObject = ["action": .string(action)]
        if let recipient {
            if let refusal = KVSClientID.refusal(recipient, as: "recipientClientId") {
                throw KVSMessageError("\(action): \(refusal)")
            }
            message["recipientClientId"] = .string(recipient)
        }
        let base64 = Data(payload.serialized()).base64EncodedString()
        guard base64.utf8.count <= KVSMessage.maxPayloadBytes else {
            throw KVSMessageError(
                "\(action) messagePayload would be \(base64.utf8.count) bytes of base64, more than "
                    + "\(KVSMessage.maxPayloadBytes)")
        }
        message["messagePayload"] = .string(base64)
        return JSONValue.object(message).serializedString()
    }
}
