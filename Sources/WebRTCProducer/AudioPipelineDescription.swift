/// The audio parts of the pipeline, in `gst_parse_launch` syntax, appended to the video's (``PipelineDescription``):
///
/// - robot → viewers: source → audioconvert → audioresample → 48 kHz mono → [webrtcdsp] → opusenc → rtpopuspay →
///   RTP caps → valve (``valveName``, closed while nobody watches) → tee (``teeName``), which each viewer's branch
///   taps through a leaky queue;
/// - viewers → robot: a live silence → audiomixer (``mixerName``; each viewer's decoded voice joins on a request
///   pad, gated so that only the talker's is heard) → [webrtcechoprobe] → the speaker (or `wavenc ! filesink`).
///
/// The silence keeps the mixer, and so the sink, running when nobody talks: the sink's clock and the echo
/// canceller's reference never stop.
public struct AudioPipelineDescription: Sendable, Equatable {
    public var settings: AudioSettings
    /// RTP payload type of Opus in the offer (the video has 96).
    public var payloadType: Int = 111
    /// Opus bit rate in bit/s: speech at 48 kHz, with room for in-band FEC.
    public var bitrate: Int = 32_000

    public static let valveName = "audio-gate"
    public static let teeName = "audio-viewers"
    public static let mixerName = "speaker"
    public static let echoProbeName = "echo-probe"
    /// The WAV encoder of a `file:` sink, which needs an end-of-stream to write its header's lengths.
    public static let wavEncoderName = "speaker-wav"

    /// What the speaker path carries, and the file sink writes.
    public static let rawCaps = "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"

    public init(settings: AudioSettings) {
        self.settings = settings
    }

    /// The RTP caps of the Opus stream, as webrtcbin needs them for a receive-only transceiver too.
    public var rtpCaps: String {
        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,encoding-params=(string)2,"
            + "payload=\(payloadType)"
    }

    /// Both chains (either may be absent), or "" when audio is off.
    public var launchLine: String {
        [sourceChain, speakerChain].compactMap { $0 }.joined(separator: " ")
    }

    /// Microphone → Opus RTP → valve → tee; nil without a source.
    var sourceChain: String? {
        guard let source = sourceFragment else { return nil }
        var chain = [source, "audioconvert", "audioresample", Self.rawCaps]
        if settings.echoCancel {
            // Noise suppression and gain control on as well: the robot's microphone hears motors and a room.
            chain += ["webrtcdsp probe=\(Self.echoProbeName) echo-cancel=true noise-suppression=true", "audioconvert"]
        }
        chain += [
            // Speech with in-band FEC: a lost packet is rebuilt from the next one. 20 ms frames; no DTX, so that
            // the viewer's level meter and jitter buffer see a steady stream.
            "opusenc audio-type=voice frame-size=20 bitrate=\(bitrate) inband-fec=true packet-loss-percentage=5",
            "rtpopuspay pt=\(payloadType)",
            "application/x-rtp,media=audio,encoding-name=OPUS,payload=\(payloadType)",
            "valve name=\(Self.valveName) drop=true drop-mode=forward-sticky-events",
            "tee name=\(Self.teeName) allow-not-linked=true",
        ]
        return chain.joined(separator: " ! ")
    }

    /// Silence → mixer → [echo probe] → sink; nil without a sink.
    var speakerChain: String? {
        guard let sink = sinkFragment else { return nil }
        var chain = [
            "audiotestsrc is-live=true wave=silence", Self.rawCaps, "audiomixer name=\(Self.mixerName)", Self.rawCaps,
        ]
        if settings.echoCancel {
            chain.append("webrtcechoprobe name=\(Self.echoProbeName)")
        }
        chain.append(sink)
        return chain.joined(separator: " ! ")
    }

    var sourceFragment: String? {
        switch settings.source {
        case .off: nil
        case .test: "audiotestsrc is-live=true wave=sine freq=440 volume=0.05"
        case .auto: "autoaudiosrc"
        case .alsa: "alsasrc" + Self.device(settings.device)
        case .pulse: "pulsesrc" + Self.device(settings.device)
        }
    }

    var sinkFragment: String? {
        switch settings.sink {
        case .off: nil
        case .auto: "autoaudiosink"
        case .alsa: "alsasink" + Self.device(settings.sinkDevice)
        case .pulse: "pulsesink" + Self.device(settings.sinkDevice)
        case .file(let path): "wavenc name=\(Self.wavEncoderName) ! filesink location=\(LaunchSyntax.quoted(path))"
        }
    }

    private static func device(_ device: String?) -> String {
        device.map { " device=\(LaunchSyntax.quoted($0))" } ?? ""
    }

    /// Every element these chains use (for ``ElementSurvey/missingElements(for:)``).
    public var elementNames: [String] {
        var names: [String] = []
        switch settings.source {
        case .off: break
        case .test: names.append("audiotestsrc")
        case .auto: names.append("autoaudiosrc")
        case .alsa: names.append("alsasrc")
        case .pulse: names.append("pulsesrc")
        }
        if settings.sends {
            names += ["audioconvert", "audioresample", "opusenc", "rtpopuspay", "valve", "tee"]
        }
        if settings.plays {
            // The per-viewer receive chain (ViewerBranch) too.
            names += [
                "audiotestsrc", "audiomixer", "rtpopusdepay", "opusdec", "audioconvert", "audioresample", "valve",
            ]
        }
        switch settings.sink {
        case .off: break
        case .auto: names.append("autoaudiosink")
        case .alsa: names.append("alsasink")
        case .pulse: names.append("pulsesink")
        case .file: names += ["wavenc", "filesink"]
        }
        if settings.echoCancel {
            names += ["webrtcdsp", "webrtcechoprobe"]
        }
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
