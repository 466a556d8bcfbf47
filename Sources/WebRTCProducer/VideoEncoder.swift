/// The encoder elements the producer knows how to drive, and which one to use when the caller does not say.
public enum VideoEncoder: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The Raspberry Pi's hardware H.264 encoder (bcm2835-codec through V4L2 M2M): nearly no CPU.
    case v4l2h264enc
    /// x264 with `tune=zerolatency speed-preset=ultrafast`.
    case x264enc
    /// Cisco's OpenH264 (gst-plugins-bad).
    case openh264enc
    /// libvpx VP8 in real-time mode.
    case vp8enc

    public var description: String { rawValue }

    public var codec: VideoCodec {
        switch self {
        case .v4l2h264enc, .x264enc, .openh264enc: .h264
        case .vp8enc: .vp8
        }
    }

    /// Encoders for `codec`, best first: hardware before software.
    public static func candidates(for codec: VideoCodec) -> [VideoEncoder] {
        allCases.filter { $0.codec == codec }
    }

    /// The first candidate for `codec` that `isAvailable` says is installed, or nil.
    public static func preferred(for codec: VideoCodec, isAvailable: (String) -> Bool) -> VideoEncoder? {
        candidates(for: codec).first { isAvailable($0.rawValue) }
    }
}
