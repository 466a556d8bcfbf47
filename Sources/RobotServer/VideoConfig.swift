import JSONConfig
public import SignalingProtocol
import StrictJSON

extension ServerConfig {
    /// Live video (the `video` section): what the signaling WebSocket hands to producers and viewers.
    public struct Video: Sendable, Equatable {
        /// STUN/TURN servers for both ends of every peer connection, in the browser's `RTCIceServer` shape.
        /// None by default: enough on one network (host candidates), not across NATs.
        public var iceServers: [ICEServer] = []
        /// How many viewers one robot may have at once; each one costs the robot an encoder's worth of CPU.
        public var maxViewers = 4
        /// How many of a robot's viewers one principal (a token's name, a JWT's `sub`) may hold, so one token cannot
        /// take every slot. Not applied when authentication is disabled (nobody has an identity then).
        public var maxViewersPerPrincipal = 2
        /// Frames a signaling socket may send at once (a token bucket's size): a viewer's ICE burst is a few dozen.
        /// The producer, which speaks for every viewer, gets `maxViewers` times as much.
        public var signalingBurst = 100
        /// Frames per second a signaling socket may send once its burst is spent (the producer: `maxViewers` times).
        public var signalingFramesPerSecond = 20
        /// Short-lived TURN credentials (`video.turn`): minted for every peer after the static ``iceServers``.
        public var turn: TURNConfig?
        /// What an operator should fix but need not (a secret file others may read), logged at start.
        public var warnings: [String] = []

        public init(
            iceServers: [ICEServer] = [], maxViewers: Int = 4, maxViewersPerPrincipal: Int = 2,
            signalingBurst: Int = 100, signalingFramesPerSecond: Int = 20, turn: TURNConfig? = nil
        ) {
            self.iceServers = iceServers
            self.maxViewers = maxViewers
            self.maxViewersPerPrincipal = maxViewersPerPrincipal
            self.signalingBurst = signalingBurst
            self.signalingFramesPerSecond = signalingFramesPerSecond
            self.turn = turn
        }

        static let keys: Set<String> = [
            "iceServers", "maxViewers", "maxViewersPerPrincipal", "signalingBurst", "signalingFramesPerSecond", "turn",
        ]
    }

    /// One STUN or TURN server: the signaling contract's type, shared by both ends.
    public typealias ICEServer = SignalingProtocol.ICEServer
}

extension ServerConfig.Video {
    /// Reads the `video` section; every error names the key path (`video.iceServers[1].urls[0]: …`). Relative paths
    /// (`turn.secretFile`) resolve against `directory`.
    static func parse(
        _ reader: ConfigReader, directory: String = ".", unknown: inout [String]
    ) throws(ConfigError) -> Self {
        var video = Self()
        unknown += reader.unknownKeys(known: keys)
        for server in try reader.objectArray("iceServers") ?? [] {
            video.iceServers.append(try parseICEServer(server))
            unknown += server.unknownKeys(known: ["urls", "username", "credential"])
        }
        video.maxViewers = try reader.int("maxViewers", in: 1...64) ?? video.maxViewers
        video.maxViewersPerPrincipal =
            try reader.int("maxViewersPerPrincipal", in: 1...64) ?? video.maxViewersPerPrincipal
        video.signalingBurst = try reader.int("signalingBurst", in: 10...10_000) ?? video.signalingBurst
        video.signalingFramesPerSecond =
            try reader.int("signalingFramesPerSecond", in: 1...1000) ?? video.signalingFramesPerSecond
        if let turn = try reader.object("turn") {
            video.turn = try TURNConfig.parse(
                turn, directory: directory, unknown: &unknown, warnings: &video.warnings)
        }
        return video
    }

    private static func parseICEServer(_ reader: ConfigReader) throws(ConfigError) -> ServerConfig.ICEServer {
        // RTCIceServer takes one URL as a string, or a list.
        let urls: [String]
        if case .string(let url)? = reader.object["urls"] {
            urls = [url]
        } else {
            urls = try reader.stringArray("urls") ?? []
        }
        guard !urls.isEmpty else {
            throw ConfigError(reader.keyPath("urls"), "is required: e.g. [\"stun:stun.example.com:3478\"]")
        }
        try checkURLs(urls, keyPath: reader.keyPath("urls"))
        let server = ServerConfig.ICEServer(
            urls: urls, username: try reader.string("username"), credential: try reader.string("credential"))
        if urls.contains(where: { $0.hasPrefix("turn") }), server.username == nil || server.credential == nil {
            throw ConfigError(
                reader.path, "a TURN server needs a username and a credential (browsers refuse it without them)")
        }
        return server
    }

    /// Throws naming `keyPath[i]` for the first of `urls` that is not a URL of `schemes`.
    static func checkURLs(
        _ urls: [String], keyPath: String, schemes: [String] = ServerConfig.ICEServer.schemes
    ) throws(ConfigError) {
        for (index, url) in urls.enumerated() {
            guard let scheme = schemes.first(where: { url.hasPrefix($0) }), url.count > scheme.count else {
                let kind = schemes.contains("stun:") ? "a STUN or TURN URL" : "a TURN URL"
                let expected = (schemes.contains("stun:") ? "stun:host[:port], stuns:…, " : "")
                throw ConfigError(
                    "\(keyPath)[\(index)]",
                    "\(JSONValue.quoted(url)) is not \(kind); expected \(expected)"
                        + "turn:host[:port][?transport=udp|tcp] or turns:…")
            }
        }
    }
}
