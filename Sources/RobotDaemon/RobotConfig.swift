public import JSONConfig

/// The robot daemon's configuration (`/etc/robot/config.json`), validated at load.
///
/// File paths are already resolved against the config file's folder. See `config.json.example`
/// for every key, and ``RobotConfig/load(path:)`` for the rules.
public struct RobotConfig: Sendable, Equatable {
    /// The `mqtt` section, shared with robot-server.
    public typealias MQTT = MQTTSettings

    public struct Motors: Sendable, Equatable {
        public var driver: String = "simulated"
        public var speed: Double = 0.5
        public var durationMs: Int = 200
        public var i2cBus: Int = 1
        public var i2cAddress: Int = 0x60
        public var gpioChip: String = "/dev/gpiochip0"
        /// nil: the board's default (1600 Hz PCA9685, 100 Hz Explorer HAT software PWM).
        public var pwmFrequency: Double?
        public var swap = false
        public var invertLeft = false
        public var invertRight = false
        /// Throttle units per second the motors may speed up or slow down by (4.0: 0 → full in 250 ms); nil: no
        /// ramp. Stops by `stop` or a deadline ramp down at `max(maxAcceleration, 10)` per second.
        public var maxAcceleration: Double?
        /// The largest |throttle| either wheel gets, in (0, 1]; both wheels are scaled together.
        public var maxSpeed: Double = 1
    }

    /// The AWS IoT credential provider (used by video streaming).
    public struct Credentials: Sendable, Equatable {
        /// Host name only; a `https://` prefix and a `:port` suffix in the file are split off.
        public var endpoint: String
        public var roleAlias: String
        public var region: String
        public var port: Int = 443
        public var connectTimeoutSeconds: Int = 5
        public var timeoutSeconds: Int = 10
        public var retryInitialMs: Int = 1000
        public var retryMaxMs: Int = 300_000
    }

    public struct Telemetry: Sendable, Equatable {
        /// Seconds between heartbeats; 0 turns them off.
        public var heartbeatSeconds: Int = 10
    }

    public var thingName: String
    public var mqtt: MQTT
    public var motors = Motors()
    public var credentials: Credentials?
    /// The video producer robotd runs (``Video``); off unless `video` enables it.
    public var video = Video()
    /// robot-webrtc's microphone and speaker (``Audio``); off unless `audio.enabled`.
    public var audio = Audio()
    public var telemetry = Telemetry()
    /// The battery sensor (``Battery``); none unless `battery` is configured.
    public var battery: Battery?
    /// Where robotd keeps state across restarts (the emergency-stop latch, `estop.json`); resolved against the
    /// config file's folder.
    public var stateDirectory = Self.defaultStateDirectory
    /// Keys that were present but are not understood (likely typos), as key paths.
    public var unknownKeys: [String] = []
    /// What the config leaves off or works around, in one line each; logged at start.
    public var warnings: [String] = []

    /// Topic the robot receives drive commands on.
    public var actionTopic: String { "\(thingName)/action" }
    /// Topic the robot reports its state on.
    public var telemetryTopic: String { "\(thingName)/telemetry" }
}
