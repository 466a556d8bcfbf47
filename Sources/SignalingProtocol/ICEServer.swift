public import StrictJSON

/// One STUN or TURN server of the welcome frame's `iceServers`, in the browser's `RTCIceServer` shape: `urls`
/// (`stun:`, `stuns:`, `turn:`, `turns:`), and for TURN a `username` and `credential`. robot-server reads them from
/// its config and sends them; the producer parses them. The credential is a secret: ``description`` leaves it out.
public struct ICEServer: Sendable, Equatable, CustomStringConvertible {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    /// The URL schemes of STUN and TURN servers.
    public static let schemes = ["stun:", "stuns:", "turn:", "turns:"]

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }

    /// The welcome frame's form: `{"urls":[…],"username":…,"credential":…}` (absent members left out).
    public var json: JSONValue {
        var object: JSONObject = [("urls", .array(urls.map(JSONValue.string)))]
        if let username { object["username"] = .string(username) }
        if let credential { object["credential"] = .string(credential) }
        return .object(object)
    }

    public var description: String {
        urls.joined(separator: " ") + (username.map { " (user \($0), credential redacted)" } ?? "")
    }

    /// Parses a frame's `iceServers` member: nil when it is absent or null, else each entry as ``init(json:keyPath:)``.
    static func list(_ value: JSONValue?, keyPath: String) throws(SignalingMessageError) -> [ICEServer]? {
        guard let value, !value.isNull else { return nil }
        guard let array = value.arrayValue else {
            throw SignalingMessageError("\(keyPath): expected an array, got \(value.typeName)")
        }
        var servers: [ICEServer] = []
        for (index, entry) in array.enumerated() {
            servers.append(try ICEServer(json: entry, keyPath: "\(keyPath)[\(index)]"))
        }
        return servers
    }

    /// Parses `{"urls": "stun:…" | ["stun:…", …], "username"?, "credential"?}`.
    public init(json: JSONValue, keyPath: String) throws(SignalingMessageError) {
        guard case .object(let object) = json else {
            throw SignalingMessageError("\(keyPath): expected an object, got \(json.typeName)")
        }
        switch object["urls"] {
        case .string(let url)?:
            urls = [url]
        case .array(let list)?:
            urls = []
            for (index, entry) in list.enumerated() {
                guard let url = entry.stringValue else {
                    throw SignalingMessageError("\(keyPath).urls[\(index)]: expected a string, got \(entry.typeName)")
                }
                urls.append(url)
            }
        case let other:
            throw SignalingMessageError(
                "\(keyPath).urls: expected a string or an array of strings, got \(other?.typeName ?? "nothing")")
        }
        username = object["username"]?.stringValue
        credential = object["credential"]?.stringValue
    }
}
