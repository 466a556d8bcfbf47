import Basics
public import JSONConfig

extension RobotConfig {
    /// The `video` section: the producer robotd runs and supervises — any program's argv (`command`), or a Kinesis
    /// Video Streams master whose argv robotd builds (`kvs`).
    public struct Video: Sendable, Equatable {
        public var enabled = false
        /// argv of the producer; `{thingName}` is replaced. Run without a shell. Empty with ``kvs``.
        public var command: [String] = []
        /// A KVS master (robot-webrtc or the C SDK sample) on the thing's signaling channel; nil with ``command``.
        public var kvs: KVS?
        /// Where robotd writes the AWS credentials for robot-webrtc as a KVS master (0600, rewritten at every
        /// refresh); resolved against the config file's folder.
        public var credentialsFile = RobotConfig.defaultCredentialsFile
        public var restartInitialMs: Int = 1000
        public var restartMaxMs: Int = 60_000
        /// How long the producer may take to exit after SIGTERM before SIGKILL.
        public var stopTimeoutSeconds: Int = 5

        /// The program robotd runs (argv[0]).
        public var program: String { kvs?.executable ?? command.first ?? "" }
    }

    /// `video.kvs`: the producer is a Kinesis Video Streams WebRTC master on `channel`, with the AWS credentials
    /// robotd fetches (so it needs a `credentials` section).
    public struct KVS: Sendable, Equatable {
        public enum Producer: String, Sendable, CaseIterable {
            /// Ours: the credentials go to a file it re-reads, so a refresh never restarts it.
            case robotWebRTC = "robot-webrtc"
            /// The KVS WebRTC C SDK's `kvsWebrtcClientMasterGstSample`: credentials in its environment, so a
            /// refresh restarts it.
            case kvsSample = "kvs-sample"

            public var defaultExecutable: String {
                switch self {
                case .robotWebRTC: "/usr/local/bin/robot-webrtc"
                case .kvsSample: "/opt/robot/kvsWebrtcClientMasterGstSample"
                }
            }
        }

        public var producer: Producer
        /// The signaling channel, `{thingName}` replaced.
        public var channel: String
        public var executable: String
        /// Appended to the argv robotd builds (`{thingName}` replaced), e.g. robot-webrtc's `--source libcamera`.
        public var arguments: [String] = []
        /// robot-webrtc: the control plane's base URL (`--kvs-endpoint`); nil: AWS's for the region.
        public var endpoint: String?
        /// robot-webrtc: `--kvs-ca-file` (nil: the system's CA certificates); kvs-sample: `AWS_KVS_CACERT_PATH`
        /// (nil: `mqtt.caFile`, as before).
        public var caFile: String?
        /// robot-webrtc: create the channel if it does not exist (`--kvs-create-channel`), as the sample does.
        public var createChannel = true

        public init(producer: Producer, channel: String, executable: String? = nil) {
            self.producer = producer
            self.channel = channel
            self.executable = executable ?? producer.defaultExecutable
        }
    }

    /// `video.credentialsFile` when the file does not say: in systemd's `RuntimeDirectory=robot`.
    public static let defaultCredentialsFile = "/run/robot/aws-credentials.json"

    static let credentialsKeys: Set<String> = [
        "endpoint", "port", "roleAlias", "region", "connectTimeoutSeconds", "timeoutSeconds", "retryInitialMs",
        "retryMaxMs",
    ]
    static let videoKeys: Set<String> = [
        "enabled", "command", "kvs", "credentialsFile", "restartInitialMs", "restartMaxMs", "stopTimeoutSeconds",
    ]
    static let kvsKeys: Set<String> = [
        "producer", "channel", "executable", "arguments", "endpoint", "caFile", "createChannel",
    ]

    /// `credentials`: the endpoint may be `host`, `host:port` or `https://host[:port]` (tests point it at
    /// `localhost:PORT`); a `port` key wins over a port in the endpoint.
    static func parseCredentials(_ reader: ConfigReader) throws(ConfigError) -> Credentials {
        let (host, endpointPort) = try splitEndpoint(
            try reader.requiredString("endpoint"), keyPath: reader.keyPath("endpoint"))
        var credentials = Credentials(
            endpoint: host, roleAlias: try reader.requiredString("roleAlias"),
            region: try reader.requiredString("region"))
        credentials.port = try reader.int("port", in: 1...65_535) ?? endpointPort ?? 443
        credentials.connectTimeoutSeconds = try reader.int("connectTimeoutSeconds", in: 1...120) ?? 5
        credentials.timeoutSeconds =
            try reader.int("timeoutSeconds", in: credentials.connectTimeoutSeconds...300)
            ?? max(10, credentials.connectTimeoutSeconds)
        credentials.retryInitialMs = try reader.int("retryInitialMs", in: 10...600_000) ?? 1000
        credentials.retryMaxMs =
            try reader.int("retryMaxMs", in: credentials.retryInitialMs...3_600_000)
            ?? max(300_000, credentials.retryInitialMs)
        return credentials
    }

    /// `video`; a `kvs` member needs the `credentials` section (`hasCredentials`).
    static func parseVideo(_ reader: ConfigReader, thingName: String, hasCredentials: Bool, directory: String)
        throws(ConfigError) -> Video
    {
        var video = Video()
        video.command = try reader.stringArray("command") ?? []
        if let kvs = try reader.object("kvs") {
            guard !reader.has("command") else {
                throw ConfigError(
                    reader.keyPath("kvs"),
                    "give video.command (any producer's argv) or video.kvs (robotd builds the KVS master's argv), "
                        + "not both")
            }
            guard hasCredentials else {
                throw ConfigError(
                    reader.keyPath("kvs"),
                    "needs a credentials section: the KVS master signs its requests with the AWS credentials robotd "
                        + "fetches from the IoT credential provider")
            }
            video.kvs = try parseKVS(kvs, thingName: thingName, directory: directory)
        }
        video.enabled = try reader.bool("enabled") ?? (!video.command.isEmpty || video.kvs != nil)
        if video.enabled && video.program.isEmpty {
            throw ConfigError(
                reader.keyPath("command"),
                "is required when video is enabled (or video.kvs): the producer's argv, e.g. "
                    + "[\"/usr/local/bin/robot-webrtc\", \"--server\", \"ws://127.0.0.1:8080\", \"--thing\", \"{thingName}\"]"
            )
        }
        if let file = try reader.string("credentialsFile") {
            guard video.kvs?.producer == .robotWebRTC else {
                throw ConfigError(
                    reader.keyPath("credentialsFile"),
                    "is only used with video.kvs and producer robot-webrtc (the KVS sample takes its credentials "
                        + "from its environment); remove it")
            }
            guard !file.hasSuffix("/") else {
                throw ConfigError(
                    reader.keyPath("credentialsFile"), "needs a file name, e.g. \(defaultCredentialsFile)")
            }
            video.credentialsFile = FileAccess.resolve(file, against: directory)
        }
        video.restartInitialMs = try reader.int("restartInitialMs", in: 10...600_000) ?? 1000
        video.restartMaxMs =
            try reader.int("restartMaxMs", in: video.restartInitialMs...3_600_000)
            ?? max(60_000, video.restartInitialMs)
        video.stopTimeoutSeconds = try reader.int("stopTimeoutSeconds", in: 1...120) ?? 5
        return video
    }

    /// `video.kvs`: every key checked against the producer it is for.
    static func parseKVS(_ reader: ConfigReader, thingName: String, directory: String) throws(ConfigError) -> KVS {
        var producer = KVS.Producer.robotWebRTC
        if let name = try reader.string("producer") {
            guard let named = KVS.Producer(rawValue: name) else {
                let names = KVS.Producer.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(reader.keyPath("producer"), "unknown producer \"\(name)\"; expected \(names)")
            }
            producer = named
        }
        let channel = (try reader.string("channel") ?? "{thingName}").replacing("{thingName}", with: thingName)
        guard isChannelName(channel) else {
            throw ConfigError(
                reader.keyPath("channel"),
                "\"\(channel)\" is not a KVS signaling channel name (1 to 256 of a-z A-Z 0-9 _ . -); "
                    + "a thing name with \":\" needs a channel name of its own")
        }
        var kvs = KVS(producer: producer, channel: channel, executable: try reader.string("executable"))
        kvs.arguments = (try reader.stringArray("arguments") ?? []).map { $0.replacing("{thingName}", with: thingName) }
        kvs.caFile = try reader.readableFile("caFile", directory: directory)
        if producer == .kvsSample {
            for key in ["endpoint", "createChannel"] where reader.has(key) {
                throw ConfigError(
                    reader.keyPath(key),
                    "is only used with producer robot-webrtc (the KVS sample has no such option); remove it")
            }
        }
        if let endpoint = try reader.string("endpoint") {
            guard endpoint.hasPrefix("https://"), endpoint.count > "https://".count, !endpoint.contains(" ") else {
                throw ConfigError(
                    reader.keyPath("endpoint"),
                    "\"\(endpoint)\" is not an https:// URL; leave it out for AWS's "
                        + "(https://kinesisvideo.REGION.amazonaws.com)")
            }
            kvs.endpoint = endpoint
        }
        kvs.createChannel = try reader.bool("createChannel") ?? true
        return kvs
    }

    /// The flat config's video: robot-webrtc as the KVS master on the thing's channel (created if missing, as the
    /// sample did), with the camera module through libcamera.
    /// The original config's video: a KVS master on the thing's channel. A thing name that cannot be a channel name
    /// (AWS IoT allows `:`, KVS does not) leaves video off with a warning — the robot still drives.
    static func flatVideo(thingName: String) -> (video: Video, warning: String?) {
        guard isChannelName(thingName) else {
            return (
                Video(),
                "IOT_THINGNAME \"\(thingName)\" is not a KVS signaling channel name (1 to 256 of a-z A-Z 0-9 _ . -), "
                    + "and the original config streams video on a channel named after the thing: video is off; use "
                    + "robotd's config format with video.kvs.channel to stream"
            )
        }
        var kvs = KVS(producer: .robotWebRTC, channel: thingName)
        kvs.arguments = ["--source", "libcamera"]
        var video = Video()
        video.enabled = true
        video.kvs = kvs
        return (video, nil)
    }

    /// KVS's `ChannelName`: `[a-zA-Z0-9_.-]+`, 1 to 256 characters.
    static func isChannelName(_ name: String) -> Bool {
        KVSName.isValid(name)
    }

    /// `host`, `host:port`, `https://host[:port][/]` → host and port.
    static func splitEndpoint(_ text: String, keyPath: String) throws(ConfigError) -> (String, Int?) {
        var rest = Substring(text)
        if rest.hasPrefix("https://") { rest = rest.dropFirst(8) }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]"), rest.firstIndex(of: ":") == colon {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number) else {
                throw ConfigError(
                    keyPath, "\"\(text)\" has an invalid port; expected host, host:port or https://host:port")
            }
            port = number
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("://") else {
            throw ConfigError(keyPath, "\"\(text)\" is not a host name; expected host, host:port or https://host:port")
        }
        return (String(rest), port)
    }
}
