/// Which GStreamer elements the producer may use, whether each is installed, and the Debian package that has it.
public struct ElementSurvey: Sendable {
    /// One element and what it is for.
    public struct Entry: Sendable, Equatable {
        public var element: String
        public var role: String
        public var package: String
        public var isInstalled: Bool
    }

    public var entries: [Entry]

    /// Element → (role, Debian package), in the order `robot-webrtc check` prints them.
    static let known: [(element: String, role: String, package: String)] = [
        ("videotestsrc", "source", "gstreamer1.0-plugins-base"),
        ("v4l2src", "source", "gstreamer1.0-plugins-good"),
        ("libcamerasrc", "source", "gstreamer1.0-libcamera"),
        (
            "v4l2h264enc", "encoder (H.264, hardware)",
            "gstreamer1.0-plugins-good; only listed where a V4L2 H.264 encoder device exists, e.g. a Raspberry Pi"
        ),
        ("x264enc", "encoder (H.264)", "gstreamer1.0-plugins-ugly"),
        ("openh264enc", "encoder (H.264)", "gstreamer1.0-plugins-bad"),
        ("vp8enc", "encoder (VP8)", "gstreamer1.0-plugins-good"),
        ("videoconvert", "conversion", "gstreamer1.0-plugins-base"),
        ("videoscale", "conversion", "gstreamer1.0-plugins-base"),
        ("videorate", "conversion", "gstreamer1.0-plugins-base"),
        ("h264parse", "H.264 parser", "gstreamer1.0-plugins-bad"),
        ("rtph264pay", "RTP payloader (H.264)", "gstreamer1.0-plugins-good"),
        ("rtpvp8pay", "RTP payloader (VP8)", "gstreamer1.0-plugins-good"),
        ("webrtcbin", "WebRTC", "gstreamer1.0-plugins-bad"),
        ("nicesrc", "WebRTC (ICE)", "gstreamer1.0-nice"),
        ("dtlssrtpenc", "WebRTC (DTLS)", "gstreamer1.0-plugins-bad"),
        ("srtpenc", "WebRTC (SRTP)", "gstreamer1.0-plugins-bad"),
        ("rtpbin", "WebRTC (RTP)", "gstreamer1.0-plugins-good"),
        ("audiotestsrc", "audio source (test tone)", "gstreamer1.0-plugins-base"),
        ("autoaudiosrc", "audio source", "gstreamer1.0-plugins-good"),
        ("alsasrc", "audio source (ALSA)", "gstreamer1.0-alsa"),
        ("pulsesrc", "audio source (PulseAudio)", "gstreamer1.0-plugins-good"),
        ("audioconvert", "audio conversion", "gstreamer1.0-plugins-base"),
        ("audioresample", "audio conversion", "gstreamer1.0-plugins-base"),
        ("opusenc", "audio encoder (Opus)", "gstreamer1.0-plugins-base"),
        ("opusdec", "audio decoder (Opus)", "gstreamer1.0-plugins-base"),
        ("rtpopuspay", "RTP payloader (Opus)", "gstreamer1.0-plugins-good"),
        ("rtpopusdepay", "RTP depayloader (Opus)", "gstreamer1.0-plugins-good"),
        ("audiomixer", "speaker mixer", "gstreamer1.0-plugins-base"),
        ("webrtcdsp", "echo cancellation", "gstreamer1.0-plugins-bad"),
        ("webrtcechoprobe", "echo cancellation", "gstreamer1.0-plugins-bad"),
        ("autoaudiosink", "speaker", "gstreamer1.0-plugins-good"),
        ("alsasink", "speaker (ALSA)", "gstreamer1.0-alsa"),
        ("pulsesink", "speaker (PulseAudio)", "gstreamer1.0-plugins-good"),
        ("wavenc", "speaker to a WAV file (tests)", "gstreamer1.0-plugins-good"),
    ]

    /// Asks the GStreamer registry about every known element.
    public static func current() -> ElementSurvey {
        ElementSurvey(
            entries: known.map {
                Entry(
                    element: $0.element, role: $0.role, package: $0.package,
                    isInstalled: GStreamer.hasElement($0.element))
            })
    }

    public func isInstalled(_ element: String) -> Bool {
        entries.first { $0.element == element }?.isInstalled ?? GStreamer.hasElement(element)
    }

    /// The encoder to use for `settings` (the requested one, or the best installed one for its codec).
    public func encoder(for settings: ProducerSettings) throws(ProducerConfigurationError) -> VideoEncoder {
        if let encoder = settings.encoder {
            return encoder
        }
        guard let encoder = VideoEncoder.preferred(for: settings.codec, isAvailable: isInstalled) else {
            let options = VideoEncoder.candidates(for: settings.codec).map { candidate in
                "\(candidate) (\(package(of: candidate.rawValue)))"
            }
            throw ProducerConfigurationError(
                "no \(settings.codec) encoder is installed; install one of: \(options.joined(separator: ", "))")
        }
        return encoder
    }

    /// Every element `description` and `audio` need that is missing, as "element (package)"; empty when all are there.
    public func missingElements(
        for description: PipelineDescription, audio: AudioPipelineDescription = AudioPipelineDescription(settings: .off)
    ) -> [String] {
        var needed = [
            description.source.elementName, "videoconvert", "videoscale", "videorate", description.encoder.rawValue,
            "webrtcbin", "nicesrc", "dtlssrtpenc", "srtpenc", "rtpbin",
        ]
        switch description.encoder.codec {
        case .h264: needed += ["h264parse", "rtph264pay"]
        case .vp8: needed += ["rtpvp8pay"]
        }
        needed += audio.elementNames.filter { !needed.contains($0) }
        return needed.filter { !isInstalled($0) }.map { "\($0) (\(package(of: $0)))" }
    }

    func package(of element: String) -> String {
        Self.known.first { $0.element == element }?.package ?? "unknown package"
    }
}
