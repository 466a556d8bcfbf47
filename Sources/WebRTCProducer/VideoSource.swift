/// Where frames come from: `videotestsrc` (local runs and tests), a V4L2 device (USB camera, or the Pi camera
/// through the legacy stack), `libcamerasrc` (the Pi camera on Raspberry Pi OS bookworm), or the latency probe.
public enum VideoSource: Sendable, Equatable, CustomStringConvertible {
    case testPattern
    /// The test picture with the wall-clock time painted into every frame as it leaves the source
    /// (``ClockStripe``): the drive page reads it back to measure glass-to-glass latency.
    case clock
    case v4l2(device: String)
    case libcamera

    /// Parses `videotestsrc`, `v4l2`, `v4l2:/dev/videoN`, `libcamera` or `clock`.
    public init(parsing text: String) throws(ProducerConfigurationError) {
        switch text {
        case "videotestsrc", "test": self = .testPattern
        case "libcamera", "libcamerasrc": self = .libcamera
        case "clock": self = .clock
        case "v4l2", "v4l2src": self = .v4l2(device: "/dev/video0")
        default:
            guard text.hasPrefix("v4l2:"), text.count > 5 else {
                throw ProducerConfigurationError(
                    "--source: unknown source \"\(text)\"; expected videotestsrc, v4l2, v4l2:/dev/videoN, libcamera or clock")
            }
            self = .v4l2(device: String(text.dropFirst(5)))
        }
    }

    /// The GStreamer element that produces the frames.
    public var elementName: String {
        switch self {
        case .testPattern, .clock: "videotestsrc"
        case .v4l2: "v4l2src"
        case .libcamera: "libcamerasrc"
        }
    }

    /// The name of the clock source's element, whose pad gets the ``ClockStripeProbe``.
    public static let clockSourceName = "clock-source"

    /// The source in `gst_parse_launch` syntax.
    var launchFragment: String {
        switch self {
        // A moving pattern, so that the encoder does real work and a viewer sees that video is live.
        case .testPattern: "videotestsrc is-live=true pattern=smpte horizontal-speed=4"
        // The stripe is painted on the source's pad (``ClockStripeProbe``), in I420 at the frame's final size.
        case .clock:
            "videotestsrc name=\(Self.clockSourceName) is-live=true pattern=smpte horizontal-speed=4 "
                + "! video/x-raw,format=I420"
        case .v4l2(let device): "v4l2src device=\(LaunchSyntax.quoted(device))"
        case .libcamera: "libcamerasrc"
        }
    }

    public var description: String {
        switch self {
        case .testPattern: "videotestsrc"
        case .clock: "clock"
        case .v4l2(let device): "v4l2:\(device)"
        case .libcamera: "libcamera"
        }
    }
}

/// The codec the viewers receive. Browsers decode both; H.264 has hardware encoders on the Pi.
public enum VideoCodec: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case h264
    case vp8

    public var description: String { rawValue }

    /// The RTP encoding name in SDP.
    public var encodingName: String {
        switch self {
        case .h264: "H264"
        case .vp8: "VP8"
        }
    }
}

/// Quoting for values in `gst_parse_launch` descriptions.
enum LaunchSyntax {
    static func quoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
