import StrictJSON

extension ClusterSignaling {
    /// What a ``ClusterEnvelope`` on a peer topic (`<p>/to/<id>/peer/<thing>/<peer>`) says. The entry instance (where
    /// the viewer's socket is) sends `join`, `frame`, `binary`, `leave` to the robot's home; the home sends `frame`
    /// and `close` back.
    enum Verb: String, Sendable {
        /// Body: ``Join``.
        case join
        /// Body: a signaling frame's text, verbatim.
        case frame
        /// No body: the socket sent a binary frame (the room refuses it and counts it against the rate limit).
        case binary
        /// No body: the socket closed.
        case leave
        /// Body: ``Close``; the home closed the viewer (a cap, a rate limit, a move).
        case close

        func envelope(_ body: [UInt8] = []) -> ClusterEnvelope { ClusterEnvelope(rawValue, body: body) }
    }

    /// `join`'s body: the instance forwarding the viewer, and who the viewer is — what the room needs for its caps and
    /// push to talk: `{"from":"b","principal":"token:home","speaker":{"name":"home","roles":["drive","view"]}}`.
    struct Join: Sendable, Equatable {
        var from: String
        var principal: String?
        var speaker: SignalingState.Speaker

        var body: [UInt8] {
            let speaker: JSONValue = [
                "name": self.speaker.name.map(JSONValue.string) ?? .null,
                "roles": .array(self.speaker.roles.sorted().map { .string($0.rawValue) }),
            ]
            let json: JSONValue = [
                "from": .string(from), "principal": principal.map(JSONValue.string) ?? .null, "speaker": speaker,
            ]
            return json.serialized()
        }

        init(from: String, principal: String?, speaker: SignalingState.Speaker) {
            self.from = from
            self.principal = principal
            self.speaker = speaker
        }

        /// Reads a body; nil without `from`. Roles this version does not know are left out.
        init?(body: [UInt8]) {
            guard let json = try? JSONParser.parse(body), let from = json["from"]?.stringValue else { return nil }
            let roles = (json["speaker"]?["roles"]?.arrayValue ?? []).compactMap {
                $0.stringValue.flatMap(RobotServer.Role.init(rawValue:))
            }
            self.init(
                from: from, principal: json["principal"]?.stringValue,
                speaker: .init(name: json["speaker"]?["name"]?.stringValue, roles: Set(roles)))
        }
    }

    /// `close`'s body: the close code and reason the entry instance writes to the viewer's socket,
    /// `{"code":4001,"reason":"this robot has too many viewers"}`.
    struct Close: Sendable, Equatable {
        var code: UInt16
        var reason: String

        var body: [UInt8] {
            let json: JSONValue = ["code": .number(Double(code)), "reason": .string(reason)]
            return json.serialized()
        }

        init(code: UInt16, reason: String) {
            self.code = code
            self.reason = reason
        }

        /// Reads a body; a missing or bad code is 1011 (the server failed), so the socket closes anyway.
        init(body: [UInt8]) {
            let json = try? JSONParser.parse(body)
            let code = json?["code"]?.intValue.flatMap { UInt16(exactly: $0) } ?? 1011
            self.init(code: code, reason: json?["reason"]?.stringValue ?? "")
        }
    }
}
