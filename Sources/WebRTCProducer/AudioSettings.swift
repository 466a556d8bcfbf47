import Glibc

/// The robot's sound, both ways: a microphone (or test tone) sent to every viewer as Opus, and a speaker that plays
/// the current talker's voice (spec: docs/VIDEO.md, "Audio"). Off both ways by default.
public struct AudioSettings: Sendable, Equatable, CustomStringConvertible {
    /// Where the robot's sound comes from.
    public enum Source: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
        case off
        /// `audiotestsrc`: a quiet 440 Hz sine, for local runs and tests.
        case test
        /// `autoaudiosrc`: whatever GStreamer finds.
        case auto
        /// `alsasrc`, with ``AudioSettings/device`` (e.g. `plughw:1,0`) or ALSA's default.
        case alsa
        /// `pulsesrc`, with ``AudioSettings/device`` (a PulseAudio source name) or the default source.
        case pulse

        public var description: String { rawValue }
    }

    /// Where the talker's voice goes.
    public enum Sink: Sendable, Equatable, CustomStringConvertible {
        case off
        /// `autoaudiosink`.
        case auto
        /// `alsasink`, with ``AudioSettings/sinkDevice`` or ALSA's default.
        case alsa
        /// `pulsesink`, with ``AudioSettings/sinkDevice`` or the default sink.
        case pulse
        /// A WAV file (S16LE, 48000 Hz, mono) of exactly what the speaker would play: for tests.
        case file(path: String)

        /// Parses `off`, `auto`, `alsa`, `pulse` or `file:PATH`.
        public init(parsing text: String) throws(ProducerConfigurationError) {
            switch text {
            case "off": self = .off
            case "auto": self = .auto
            case "alsa": self = .alsa
            case "pulse": self = .pulse
            default:
                guard text.hasPrefix("file:"), text.count > 5 else {
                    throw ProducerConfigurationError(
                        "--audio-sink: unknown sink \"\(text)\"; expected off, auto, alsa, pulse or file:PATH")
                }
                self = .file(path: String(text.dropFirst(5)))
            }
        }

        public var description: String {
            switch self {
            case .off: "off"
            case .auto: "auto"
            case .alsa: "alsa"
            case .pulse: "pulse"
            case .file(let path): "file:\(path)"
            }
        }
    }

    public var source: Source
    /// The capture device for `alsa`/`pulse`; nil for the system's default.
    public var device: String?
    public var sink: Sink
    /// The playback device for `alsa`/`pulse`; nil for the system's default.
    public var sinkDevice: String?
    /// `webrtcdsp` on the microphone, fed what the speaker plays by `webrtcechoprobe`.
    public var echoCancel: Bool

    /// Validated: a device only with `alsa`/`pulse`, echo cancellation only with both a source and a sink, a WAV
    /// only into a folder that exists.
    public init(
        source: Source = .off, device: String? = nil, sink: Sink = .off, sinkDevice: String? = nil,
        echoCancel: Bool = false
    ) throws(ProducerConfigurationError) {
        self.source = source
        self.device = device
        self.sink = sink
        self.sinkDevice = sinkDevice
        self.echoCancel = echoCancel
        try validate()
    }

    /// No sound either way.
    public static let off = try! AudioSettings()

    /// Whether viewers receive the robot's sound.
    public var sends: Bool { source != .off }
    /// Whether the robot plays the talker's voice.
    public var plays: Bool { sink != .off }
    /// Whether there is an audio m-line at all.
    public var isEnabled: Bool { sends || plays }

    func validate() throws(ProducerConfigurationError) {
        if let device {
            guard source == .alsa || source == .pulse else {
                throw ProducerConfigurationError(
                    "--audio-device: \"\(device)\" needs --audio-source alsa or pulse (the source is \(source))")
            }
            guard !device.isEmpty else { throw ProducerConfigurationError("--audio-device: empty device name") }
        }
        if let sinkDevice {
            guard sink == .alsa || sink == .pulse else {
                throw ProducerConfigurationError(
                    "--audio-sink-device: \"\(sinkDevice)\" needs --audio-sink alsa or pulse (the sink is \(sink))")
            }
            guard !sinkDevice.isEmpty else {
                throw ProducerConfigurationError("--audio-sink-device: empty device name")
            }
        }
        if echoCancel, !sends || !plays {
            throw ProducerConfigurationError(
                "--echo-cancel needs a microphone and a speaker: --audio-source and --audio-sink must not be off "
                    + "(they are \(source) and \(sink))")
        }
        if case .file(let path) = sink {
            let folder = Self.folder(of: path)
            var status = stat()
            guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw ProducerConfigurationError(
                    "--audio-sink: file:\(path): the folder '\(folder)' does not exist")
            }
        }
    }

    /// The folder a file goes into ("." for a bare name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public var description: String {
        guard isEnabled else { return "audio=off" }
        var parts = ["audioSource=\(source)\(device.map { ":" + $0 } ?? "")"]
        parts.append("audioSink=\(sink)\(sinkDevice.map { ":" + $0 } ?? "")")
        if echoCancel { parts.append("echoCancel") }
        return parts.joined(separator: " ")
    }
}
