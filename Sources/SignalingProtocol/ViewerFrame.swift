public import StrictJSON

/// A frame a viewer sends robot-server: a negotiation frame for the producer (`answer`, `ice`), which the server
/// relays, a push-to-talk request (`talk`), which the server decides itself — one talker per robot, and only a
/// viewer whose token has the `drive` role — or a request for a new peer connection (`restart`), which the server
/// passes on to the producer as a `viewer-joined` for that viewer (`docs/SIGNALING.md`). robot-server reads every
/// viewer frame with ``init(parsing:)``; the page writes `talk` and `restart` as ``text`` shows.
public enum ViewerFrame: Sendable, Equatable {
    /// An `answer` or `ice` for the producer, checked as ``PeerFrame/init(parsing:from:)`` checks it.
    case negotiation(PeerFrame)
    /// `{"type":"talk","on":true}` asks to talk through the robot's speaker; `"on":false` gives the floor back.
    case talk(on: Bool)
    /// `{"type":"restart"}`: this viewer's peer connection failed or stays disconnected (a network change); it asks
    /// the producer for a new one — a new offer — without reloading the page.
    case restart

    /// Parses and checks one text frame from a viewer; the error is the message for the viewer.
    public init(parsing text: String) throws(SignalingFrameError) {
        let (object, type) = try PeerFrame.object(parsing: text)
        if type == "restart" {
            self = .restart
            return
        }
        guard type == "talk" else {
            self = .negotiation(try PeerFrame(object, type: type, from: .viewer))
            return
        }
        guard let on = object["on"]?.boolValue else {
            let got = object["on"]?.summary() ?? "nothing"
            throw SignalingFrameError("talk: \"on\" must be a boolean (true to talk, false to stop), got \(got)")
        }
        self = .talk(on: on)
    }

    /// The frame as JSON: a negotiation frame's fields, `{"type":"talk","on":…}` or `{"type":"restart"}`.
    public var json: JSONValue {
        switch self {
        case .negotiation(let frame): frame.json
        case .talk(let on): ["type": "talk", "on": .bool(on)]
        case .restart: ["type": "restart"]
        }
    }

    /// The text frame.
    public var text: String { json.serializedString() }
}
