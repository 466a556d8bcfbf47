public import StrictJSON

/// One entry of the welcome frame's `iceServers` (the shape of the browser's `RTCIceServer`).
public struct ICEServer: Sendable, Equatable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
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
