public import ArgumentParser
import Basics
import FoundationEssentials
import Glibc
public import Logging
import ServiceLifecycle
import SystemPackage
public import WebRTCProducer

/// `robot-webrtc`: the robot's self-hosted WebRTC video producer.
@main
struct RobotWebRTC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robot-webrtc",
        abstract: """
            Streams the robot's camera to browsers over WebRTC, signaled through robot-server or Kinesis Video \
            Streams.
            """,
        discussion: """
            Connects to ws(s)://SERVER/robots/THING/signal?role=producer with a bearer token and, for each \
            viewer robot-server announces, adds a GStreamer webrtcbin (one send-only video transceiver, and with \
            --audio-source/--audio-sink an Opus one) fed from one shared camera → encoder → RTP pipeline, makes \
            the offer and exchanges ICE candidates. With --audio-sink, only the viewer robot-server names as the \
            talker is played. Any number of viewers; a viewer's peer connection is freed when it leaves or fails. Reconnects to the \
            server with capped back-off. Stops cleanly on SIGTERM/SIGINT; exits non-zero when the camera or \
            encoder fails, so that robotd restarts it (video.command in robotd's config, e.g. \
            ["/opt/robot/robot-webrtc", "--server", "ws://127.0.0.1:8080", "--thing", "{thingName}", \
            "--token-file", "/etc/robot/webrtc.token"]).

            With --kvs-channel NAME it is instead the master of that Kinesis Video Streams signaling channel \
            (SigV4-presigned WebSocket; the viewers offer and robot-webrtc answers, with KVS's TURN servers), \
            e.g. robot-webrtc --kvs-channel sts-pi --region us-west-2 --aws-credentials-file \
            /run/robot/aws-credentials.json. It reconnects on GO_AWAY and before the one-hour limit, refreshes \
            the ICE servers before their TTL, re-reads the credentials file before every signature, and keeps \
            the viewers' peer connections through all of these.
            """,
        version: "0.1.0",
        subcommands: [Check.self]
    )

    @Option(
        name: .long,
        help: "robot-server's base URL, ws://host:port or wss://host[:port] (default ws://127.0.0.1:8080).")
    var server: String?

    // Optional for the parser only, so that `robot-webrtc check` needs none of the streaming options.
    @Option(
        name: .long,
        help: "The robot's thing name (the {thing} of /robots/{thing}/signal). Required, except with --kvs-channel.")
    var thing: String?

    @Option(
        name: .long,
        help: """
            File holding the bearer token (one line). Without it, the token comes from the environment \
            variable ROBOT_WEBRTC_TOKEN; it is never taken on the command line, where ps would show it.
            """)
    var tokenFile: String?

    @Option(
        name: .long,
        help: """
            videotestsrc, v4l2 (/dev/video0), v4l2:/dev/videoN, libcamera (the Pi camera on bookworm), or clock \
            (the test picture with the wall-clock time painted into every frame, which the drive page reads back \
            with ?probe=1 to measure glass-to-glass latency; docs/VIDEO.md).
            """)
    var source: String = "videotestsrc"

    @Option(name: .long, help: "h264 or vp8.")
    var codec: VideoCodec = .h264

    @Option(
        name: .long,
        help: """
            auto (H.264: v4l2h264enc when present — the Pi's hardware encoder — else x264enc, else \
            openh264enc; VP8: vp8enc), or one of v4l2h264enc, x264enc, openh264enc, vp8enc.
            """)
    var encoder: String = "auto"

    @Option(name: .long, help: "Frame width in pixels.")
    var width: Int = 640

    @Option(name: .long, help: "Frame height in pixels.")
    var height: Int = 480

    @Option(name: .long, help: "Frames per second.")
    var fps: Int = 30

    @Option(
        name: .long,
        help: """
            The encoder's bit rate at start, in kbit/s; it then follows the viewers' links between --min-bitrate \
            and --max-bitrate (docs/VIDEO.md, Bitrate adaptation).
            """)
    var bitrate: Int = 1000

    @Option(
        name: .long,
        help: """
            The lowest bit rate the adaptation goes to, in kbit/s (default 150, or --bitrate when lower).
            """)
    var minBitrate: Int?

    @Option(name: .long, help: "The highest bit rate the adaptation goes to, in kbit/s (default: --bitrate).")
    var maxBitrate: Int?

    @Flag(
        name: .customLong("no-adaptive-bitrate"),
        help: """
            Keep --bitrate whatever the viewers' feedback (RTCP loss, round trip, REMB) says; by default the \
            encoder follows the worst viewer's link.
            """)
    var noAdaptiveBitrate = false

    @Flag(
        name: .customLong("no-zero-latency"),
        help: """
            For measuring only: x264enc without tune=zerolatency and speed-preset=ultrafast (its look-ahead adds \
            frames of delay). See BENCHMARKS.md.
            """)
    var noZeroLatency = false

    @Option(name: .long, help: "Seconds between key frames (0.1…60): a viewer that lost packets waits at most this long.")
    var keyFrameSeconds: Double = 2

    @Flag(
        name: .customLong("no-leaky-queue"),
        help: """
            For measuring only: a plain queue before the encoder, which delays frames when the encoder falls \
            behind instead of dropping the oldest.
            """)
    var noLeakyQueue = false

    @Option(
        name: .long,
        help: """
            The robot's sound to the viewers (Opus): off, test (a quiet 440 Hz tone), auto (autoaudiosrc), alsa or \
            pulse (with --audio-device).
            """)
    var audioSource: AudioSettings.Source = .off

    @Option(name: .long, help: "The capture device for --audio-source alsa (e.g. plughw:1,0) or pulse (a source name).")
    var audioDevice: String?

    @Option(
        name: .long,
        help: """
            Where the talker's voice plays: off, auto (autoaudiosink), alsa or pulse (with --audio-sink-device), or \
            file:PATH (a WAV of exactly what the speaker would play, for tests).
            """)
    var audioSink: String = "off"

    @Option(name: .long, help: "The playback device for --audio-sink alsa (e.g. plughw:1,0) or pulse (a sink name).")
    var audioSinkDevice: String?

    @Flag(
        name: .long,
        help: """
            Cancel the speaker's echo in the microphone (webrtcdsp, fed by webrtcechoprobe); needs --audio-source \
            and --audio-sink.
            """)
    var echoCancel = false

    @Flag(
        name: .long,
        help: """
            Add 127.0.0.1 to every ICE agent. For tests and local runs on a host whose only interface is \
            loopback (libnice gathers no candidate there otherwise); not for robots.
            """)
    var iceLoopback = false

    @Option(name: .long, help: "First delay before reconnecting to the server, in ms (doubles up to the max).")
    var reconnectInitialMs: Int = 500

    @Option(name: .long, help: "Longest delay between reconnection attempts, in ms.")
    var reconnectMaxMs: Int = 30_000

    @Option(name: .long, help: "How much to log: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @OptionGroup(title: "Kinesis Video Streams")
    var kvs: KVSOptions

    func run() async throws {
        let kvsSettings = try kvs.settings(environment: ProcessInfo.processInfo.environment)
        if kvsSettings != nil {
            for (option, given) in [("--server", server != nil), ("--token-file", tokenFile != nil)] where given {
                throw ProducerConfigurationError("\(option) is not used with --kvs-channel (KVS signals instead)")
            }
        }
        guard let thing = thing ?? kvsSettings?.channel, !thing.isEmpty else {
            throw ProducerConfigurationError("--thing is required: the robot's thing name, e.g. --thing sts-pi")
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "robot-webrtc")
        logger[metadataKey: "robot.thing"] = "\(thing)"
        let settings = try ProducerSettings(
            server: server ?? "ws://127.0.0.1:8080", thing: thing, token: kvsSettings == nil ? try readToken() : "",
            source: try VideoSource(parsing: source),
            codec: codec, encoder: try parseEncoder(), width: width, height: height, framesPerSecond: fps,
            bitrateKbps: bitrate, minBitrateKbps: minBitrate, maxBitrateKbps: maxBitrate,
            adaptiveBitrate: !noAdaptiveBitrate,
            tuning: VideoTuning(zeroLatency: !noZeroLatency, keyFrameSeconds: keyFrameSeconds, leakyQueue: !noLeakyQueue),
            audio: try AudioSettings(
                source: audioSource, device: audioDevice, sink: AudioSettings.Sink(parsing: audioSink),
                sinkDevice: audioSinkDevice, echoCancel: echoCancel),
            iceLoopback: iceLoopback,
            reconnect: CappedBackoff(
                initial: .milliseconds(max(10, reconnectInitialMs)),
                maximum: .milliseconds(max(reconnectInitialMs, reconnectMaxMs)), jitter: 0.2),
            kvs: kvsSettings)
        let producer =
            kvsSettings.map { WebRTCProducer(settings: settings, kvs: $0, logger: logger) }
            ?? WebRTCProducer(settings: settings, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: producer)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    private func parseEncoder() throws -> VideoEncoder? {
        guard encoder != "auto" else { return nil }
        guard let chosen = VideoEncoder(rawValue: encoder) else {
            throw ProducerConfigurationError(
                "--encoder: unknown encoder \"\(encoder)\"; expected auto, "
                    + VideoEncoder.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return chosen
    }

    /// Without leading and trailing white space (a token file usually ends with a newline).
    private static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    private func readToken() throws -> String {
        if let tokenFile {
            guard access(tokenFile, R_OK) == 0 else {
                throw ProducerConfigurationError(
                    "--token-file: cannot read '\(tokenFile)': \(Errno.current) — does it exist and "
                        + "may this user read it?")
            }
            let text: String
            do {
                text = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ProducerConfigurationError(
                    "--token-file: cannot read '\(tokenFile)' (\(error)) — does it exist and "
                        + "may this user read it?")
            }
            let token = Self.trimmed(text)
            guard !token.isEmpty else { throw ProducerConfigurationError("--token-file: '\(tokenFile)' is empty") }
            return token
        }
        let token = Self.trimmed(ProcessInfo.processInfo.environment["ROBOT_WEBRTC_TOKEN"] ?? "")
        guard !token.isEmpty else {
            throw ProducerConfigurationError(
                "no token: pass --token-file PATH or set ROBOT_WEBRTC_TOKEN (a robot-server token allowed to "
                    + "drive --thing)")
        }
        return token
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension VideoCodec: ExpressibleByArgument {}

extension AudioSettings.Source: ExpressibleByArgument {}
