public import JSONConfig

extension RobotConfig {
    /// The `audio` section: robot-webrtc's microphone (robot → viewers) and speaker (push to talk), passed to it
    /// as options appended to `video.command`. Absent = disabled.
    public struct Audio: Sendable, Equatable {
        /// Where robot-webrtc reads sound for the viewers (`--audio-source`).
        public enum Source: String, Sendable, CaseIterable {
            /// audiotestsrc: a quiet 440 Hz sine, for local runs and tests.
            case test
            case auto, alsa, pulse, off
        }

        /// Where robot-webrtc plays the talking viewer's voice (`--audio-sink`).
        public enum Sink: Sendable, Equatable {
            case auto, alsa, pulse, off
            /// A WAV file of exactly what the speaker would play (tests); the path is absolute.
            case file(String)

            var argument: String {
                switch self {
                case .auto: "auto"
                case .alsa: "alsa"
                case .pulse: "pulse"
                case .off: "off"
                case .file(let path): "file:\(path)"
                }
            }
        }

        public var enabled = false
        public var source = Source.auto
        /// ALSA device (`plughw:1,0`) or PulseAudio source name; only with source `alsa` or `pulse`.
        public var device: String?
        public var sink = Sink.auto
        /// ALSA device or PulseAudio sink name; only with sink `alsa` or `pulse`.
        public var sinkDevice: String?
        /// webrtcdsp + webrtcechoprobe (gst-plugins-bad); needs a source and a sink.
        public var echoCancel = false

        /// What robotd appends to robot-webrtc's command line; empty when disabled.
        public var arguments: [String] {
            guard enabled else { return [] }
            var arguments = ["--audio-source", source.rawValue]
            if let device { arguments += ["--audio-device", device] }
            arguments += ["--audio-sink", sink.argument]
            if let sinkDevice { arguments += ["--audio-sink-device", sinkDevice] }
            if echoCancel { arguments.append("--echo-cancel") }
            return arguments
        }
    }

    static let audioKeys: Set<String> = ["enabled", "source", "device", "sink", "sinkDevice", "echoCancel"]
    /// The only producer that takes the audio options: argv[0]'s last path component.
    static let audioProducer = "robot-webrtc"

    /// `audio`, checked against the producer it is for: relative `file:` paths resolve against `directory`.
    static func parseAudio(_ reader: ConfigReader, producer: [String], directory: String) throws(ConfigError)
        -> Audio
    {
        var audio = Audio()
        audio.enabled = try reader.bool("enabled") ?? false
        if let name = try reader.string("source") {
            guard let source = Audio.Source(rawValue: name) else {
                let names = Audio.Source.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(reader.keyPath("source"), "unknown source \"\(name)\"; expected \(names)")
            }
            audio.source = source
        }
        if let name = try reader.string("sink") {
            audio.sink = try parseSink(name, keyPath: reader.keyPath("sink"), directory: directory)
        }
        audio.device = try device(reader, "device", for: "source", audio.source.rawValue)
        audio.sinkDevice = try device(reader, "sinkDevice", for: "sink", audio.sink.argument)
        audio.echoCancel = try reader.bool("echoCancel") ?? false
        if audio.echoCancel && (audio.source == .off || audio.sink == .off) {
            throw ConfigError(
                reader.keyPath("echoCancel"),
                "needs a source and a sink (it removes the speaker's sound from the microphone); source is "
                    + "\(audio.source.rawValue), sink is \(audio.sink.argument)")
        }
        let program = producer.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        if audio.enabled && program != audioProducer {
            throw ConfigError(
                reader.keyPath("enabled"),
                "audio needs robot-webrtc as the producer, but video.command runs \"\(program)\"; "
                    + "set audio.enabled to false or run robot-webrtc (see docs/VIDEO.md)")
        }
        return audio
    }

    private static func parseSink(_ name: String, keyPath: String, directory: String) throws(ConfigError)
        -> Audio.Sink
    {
        switch name {
        case "auto": return .auto
        case "alsa": return .alsa
        case "pulse": return .pulse
        case "off": return .off
        default:
            guard name.hasPrefix("file:") else {
                throw ConfigError(keyPath, "unknown sink \"\(name)\"; expected auto, alsa, pulse, off or file:PATH")
            }
            let path = name.dropFirst("file:".count)
            guard !path.isEmpty else { throw ConfigError(keyPath, "file: needs a path, e.g. file:/tmp/speaker.wav") }
            return .file(FileAccess.resolve(String(path), against: directory))
        }
    }

    /// A device name, refused unless `kind` (the source's or the sink's) is `alsa` or `pulse`, which take one.
    private static func device(_ reader: ConfigReader, _ key: String, for kindKey: String, _ kind: String)
        throws(ConfigError) -> String?
    {
        guard let device = try reader.string(key) else { return nil }
        guard kind == "alsa" || kind == "pulse" else {
            throw ConfigError(
                reader.keyPath(key),
                "is only used with \(kindKey) alsa or pulse, and \(reader.keyPath(kindKey)) is \(kind); "
                    + "remove it or set \(kindKey) to alsa or pulse")
        }
        return device
    }
}
