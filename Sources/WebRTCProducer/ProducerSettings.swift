public import Basics
import SignalingProtocol

/// Everything `robot-webrtc` needs, validated: where to signal, as whom, and what to send.
public struct ProducerSettings: Sendable {
    /// `ws://host:port` or `wss://host:port` of robot-server (a trailing path is kept, e.g. behind a proxy).
    public var server: String
    /// The robot's thing name: the `{thing}` of `/robots/{thing}/signal`.
    public var thing: String
    /// The bearer token; never logged (see ``description``).
    public var token: String
    public var source: VideoSource
    public var codec: VideoCodec
    /// A specific encoder, or nil to pick the best installed one for ``codec``.
    public var encoder: VideoEncoder?
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    /// The encoder's bit rate at start, in kbit/s; with ``adaptiveBitrate`` it then follows the viewers' links.
    public var bitrateKbps: Int
    /// The bounds of the adaptive bit rate (``BitrateController``), in kbit/s.
    public var minBitrateKbps: Int
    public var maxBitrateKbps: Int
    /// Whether the viewers' RTCP feedback steers the encoder's bit rate (on by default).
    public var adaptiveBitrate: Bool
    /// Latency against bandwidth: the defaults are the low-latency settings.
    public var tuning: VideoTuning
    /// The robot's microphone to the viewers, the talker's voice to its speaker; off by default.
    public var audio: AudioSettings
    /// Adds 127.0.0.1 to every ICE agent, for tests and local runs on a host whose only interface is loopback.
    public var iceLoopback: Bool
    /// Back-off between signaling connection attempts.
    public var reconnect: CappedBackoff
    /// Signal on Kinesis Video Streams as the channel's master instead of robot-server (then ``server`` and
    /// ``token`` are not used); nil: robot-server.
    public var kvs: KVSSettings?

    public init(
        server: String, thing: String, token: String, source: VideoSource = .testPattern, codec: VideoCodec = .h264,
        encoder: VideoEncoder? = nil, width: Int = 640, height: Int = 480, framesPerSecond: Int = 30,
        bitrateKbps: Int = 1000, minBitrateKbps: Int? = nil, maxBitrateKbps: Int? = nil, adaptiveBitrate: Bool = true,
        tuning: VideoTuning = VideoTuning(), audio: AudioSettings = .off,
        iceLoopback: Bool = false,
        reconnect: CappedBackoff = CappedBackoff(initial: .milliseconds(500), maximum: .seconds(30), jitter: 0.2),
        kvs: KVSSettings? = nil
    ) throws(ProducerConfigurationError) {
        self.server = server
        self.thing = thing
        self.token = token
        self.source = source
        self.codec = codec
        self.encoder = encoder
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.bitrateKbps = bitrateKbps
        self.minBitrateKbps = minBitrateKbps ?? min(Self.defaultMinBitrateKbps, bitrateKbps)
        self.maxBitrateKbps = maxBitrateKbps ?? bitrateKbps
        self.adaptiveBitrate = adaptiveBitrate
        self.tuning = tuning
        self.audio = audio
        self.iceLoopback = iceLoopback
        self.reconnect = reconnect
        self.kvs = kvs
        try validate()
    }

    func validate() throws(ProducerConfigurationError) {
        if let kvs {
            try kvs.validate()
        } else {
            try validateServer()
        }
        try validateMedia()
    }

    /// robot-server's URL, the thing and the token.
    private func validateServer() throws(ProducerConfigurationError) {
        guard server.hasPrefix("ws://") || server.hasPrefix("wss://") else {
            throw ProducerConfigurationError(
                "--server: \"\(server)\" is not a WebSocket URL; expected ws://host:port or wss://host[:port]")
        }
        guard !thing.isEmpty, !thing.contains("/"), !thing.contains("?"), !thing.contains("#") else {
            throw ProducerConfigurationError("--thing: \"\(thing)\" is not a thing name")
        }
        guard !token.isEmpty, !token.contains("\n"), !token.contains("\r") else {
            throw ProducerConfigurationError(
                "the token is empty or spans several lines; put one token in --token-file or ROBOT_WEBRTC_TOKEN")
        }
    }

    private func validateMedia() throws(ProducerConfigurationError) {
        if let encoder, encoder.codec != codec {
            throw ProducerConfigurationError(
                "--encoder: \(encoder) makes \(encoder.codec), but --codec is \(codec)")
        }
        guard (16...4096).contains(width), (16...4096).contains(height), width % 2 == 0, height % 2 == 0 else {
            throw ProducerConfigurationError(
                "--width/--height: \(width)×\(height) is not an even size between 16 and 4096")
        }
        guard (1...120).contains(framesPerSecond) else {
            throw ProducerConfigurationError("--fps: \(framesPerSecond) is not between 1 and 120")
        }
        guard (50...50_000).contains(bitrateKbps) else {
            throw ProducerConfigurationError("--bitrate: \(bitrateKbps) kbit/s is not between 50 and 50000")
        }
        for (option, kbps) in [("--min-bitrate", minBitrateKbps), ("--max-bitrate", maxBitrateKbps)] {
            guard (50...50_000).contains(kbps) else {
                throw ProducerConfigurationError("\(option): \(kbps) kbit/s is not between 50 and 50000")
            }
        }
        guard minBitrateKbps <= bitrateKbps, bitrateKbps <= maxBitrateKbps else {
            throw ProducerConfigurationError(
                "--bitrate: \(bitrateKbps) kbit/s is not between --min-bitrate \(minBitrateKbps) and "
                    + "--max-bitrate \(maxBitrateKbps)")
        }
        guard tuning.keyFrameSeconds.isFinite, (0.1...60).contains(tuning.keyFrameSeconds) else {
            throw ProducerConfigurationError(
                "--key-frame-seconds: \(tuning.keyFrameSeconds) is not between 0.1 and 60")
        }
        try audio.validate()
    }

    /// `--min-bitrate` when not given (or `--bitrate` when that is lower): below ~150 kbit/s 640×480 H.264 is mush.
    public static let defaultMinBitrateKbps = 150

    /// `ws(s)://SERVER/robots/{thing}/signal?role=producer`.
    public var signalingURL: String {
        var base = Substring(server)
        while base.hasSuffix("/") { base = base.dropLast() }
        return "\(base)/robots/\(ICEServer.percentEncoded(thing))/signal?role=producer"
    }
}

extension ProducerSettings: CustomStringConvertible {
    /// The settings for logs, without the token.
    public var description: String {
        "\(kvs.map(\.description) ?? signalingURL) source=\(source) codec=\(codec) "
            + "encoder=\(encoder?.description ?? "auto") \(width)x\(height)@\(framesPerSecond) \(bitrateKbps)kbit/s "
            + (adaptiveBitrate ? "adaptive=\(minBitrateKbps)…\(maxBitrateKbps)kbit/s " : "adaptive=off ")
            + "\(tuning) \(audio) "
            + "iceLoopback=\(iceLoopback)"
    }
}
