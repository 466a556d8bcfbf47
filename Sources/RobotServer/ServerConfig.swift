public import JSONConfig
public import Relay

/// robot-server's configuration (`--config PATH`), validated at load.
///
/// File paths are already resolved against the config file's folder. `server.json.example` documents every
/// key; ``ServerConfig/load(path:)`` says what is checked.
public struct ServerConfig: Sendable {
    /// Where the HTTP API listens, and how long and how many connections it keeps (`docs/LIMITS.md`).
    public struct Listen: Sendable, Equatable {
        /// `127.0.0.1` by default: serving other hosts is a decision (`0.0.0.0`).
        public var host = "127.0.0.1"
        public var port = 8080
        /// A keep-alive connection with no request for this long is closed (WebSockets have their own pings).
        public var idleTimeoutSeconds = 60
        /// A new connection must send its first complete request head within this long (slowloris), or it is
        /// answered 408 and closed.
        public var requestHeadTimeoutSeconds = 10
        /// Open connections (WebSockets included) at most; a connection over the cap is answered 503 and
        /// closed. Must fit, with the broker and relay sockets, under the unit's `LimitNOFILE` (8192).
        public var maxConnections = 2048

        static let keys: Set<String> = [
            "host", "port", "idleTimeoutSeconds", "requestHeadTimeoutSeconds", "maxConnections",
        ]
    }

    /// The broker connection: robotd's `mqtt` section plus the server's own keys.
    public struct MQTT: Sendable, Equatable {
        public var settings: MQTTSettings
        /// The MQTT client id; on AWS IoT the policy must allow it.
        public var clientID = "robot-server"
        /// How long a publish may wait for the broker's PUBACK before the request fails with 503.
        public var publishTimeoutMs = 2000
    }

    /// Browser access (CORS). No origins: no CORS headers at all.
    public struct CORS: Sendable, Equatable {
        /// Exact origins (`https://robot.example.com`), or `*` for any.
        public var allowedOrigins: [String] = []
        /// How long a browser may cache a preflight answer.
        public var maxAgeSeconds = 600
    }

    /// One driver at a time per robot (`control`, `docs/SERVER.md`): the control lease.
    public struct Control: Sendable, Equatable {
        /// A lease with no drive command for this long expires, and anyone may drive (5…3600).
        public var idleSeconds = 30

        public init(idleSeconds: Int = 30) {
            self.idleSeconds = idleSeconds
        }

        static let keys: Set<String> = ["idleSeconds"]
    }

    /// Several instances sharing the broker (`cluster`, `docs/SCALING.md`): signaling rooms and control leases travel
    /// between them over MQTT. Without the section the server is the only instance and shares nothing.
    public struct Cluster: Sendable, Equatable {
        /// This instance's name among the others, unique in the cluster: `[A-Za-z0-9_-]{1,64}` (it is a topic level).
        public var instanceID: String
        /// The topics the instances talk on start with this (no `+`, `#`, leading or trailing `/`).
        public var topicPrefix = "robot-server/cluster"
        /// How long a lease call to the owning instance may take before the request fails with 503.
        public var callTimeoutMs = 2000

        public init(instanceID: String, topicPrefix: String = "robot-server/cluster", callTimeoutMs: Int = 2000) {
            self.instanceID = instanceID
            self.topicPrefix = topicPrefix
            self.callTimeoutMs = callTimeoutMs
        }

        static let keys: Set<String> = ["instanceId", "topicPrefix", "callTimeoutMs"]
    }

    public var listen = Listen()
    public var mqtt: MQTT
    /// The thing names this server may drive; a request for any other robot is a 404.
    public var robots: [String]
    /// The robot that `POST /publish` drives.
    public var defaultRobot: String
    public var auth: AuthConfig
    public var cors = CORS()
    /// The cross-account relay (`relay`), when configured.
    public var relay: RelayConfig?
    /// Live video signaling (`video`): ICE servers and the viewer limit.
    public var video = Video()
    /// The control lease (`control`).
    public var control = Control()
    /// Sharing with other instances (`cluster`); nil: this is the only instance.
    public var cluster: Cluster?
    /// Keys that were present but are not understood (likely typos, or sections of a later version), as key
    /// paths. Warned about at start, never fatal.
    public var unknownKeys: [String] = []

    /// The topic a robot receives drive commands on.
    public static func actionTopic(_ thing: String) -> String { "\(thing)/action" }
}
