/// The shared part of the pipeline, in `gst_parse_launch` syntax:
/// source → convert/scale/rate → raw caps → valve → encoder → payloader → RTP caps → tee.
///
/// The valve (named ``valveName``) drops frames before the encoder while nobody watches, so that an idle robot
/// does not spend CPU encoding; the camera keeps running, so the first viewer does not wait for it to start.
/// Each viewer's branch hangs off the tee (named ``teeName``); `allow-not-linked` lets it run with none.
public struct PipelineDescription: Sendable, Equatable {
    public var source: VideoSource
    public var encoder: VideoEncoder
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    /// Target bit rate in kbit/s.
    public var bitrateKbps: Int
    /// RTP payload type in the offer.
    public var payloadType: Int = 96
    public var tuning: VideoTuning

    public static let valveName = "gate"
    public static let teeName = "viewers"
    public static let encoderName = "encoder"

    public init(
        source: VideoSource, encoder: VideoEncoder, width: Int, height: Int, framesPerSecond: Int, bitrateKbps: Int,
        tuning: VideoTuning = VideoTuning()
    ) {
        self.tuning = tuning
        self.source = source
        self.encoder = encoder
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.bitrateKbps = bitrateKbps
    }

    /// Frames between key frames (``VideoTuning/keyFrameSeconds``, two seconds by default): how long a viewer
    /// that lost packets waits at worst (viewers that join also ask for one, see `MediaPipeline.requestKeyFrame`).
    var keyFrameInterval: Int { max(1, Int((Double(framesPerSecond) * tuning.keyFrameSeconds).rounded())) }

    /// The whole description.
    public var launchLine: String {
        [
            source.launchFragment,
            "videoconvert", "videoscale", "videorate drop-only=true",
            "video/x-raw,width=\(width),height=\(height),framerate=\(framesPerSecond)/1",
            "valve name=\(Self.valveName) drop=true drop-mode=forward-sticky-events",
            tuning.leakyQueue ? "queue max-size-buffers=2 leaky=downstream" : "queue",
        ].joined(separator: " ! ") + " ! " + encoderFragment + " ! " + payloaderFragment
            + " ! tee name=\(Self.teeName) allow-not-linked=true"
    }

    /// Encoder and what the payloader needs after it. Browsers decode H.264 constrained baseline.
    var encoderFragment: String {
        let bitrate = bitrateKbps
        let gop = keyFrameInterval
        switch encoder {
        case .x264enc:
            let realTime = tuning.zeroLatency ? "tune=zerolatency speed-preset=ultrafast " : ""
            return "x264enc name=\(Self.encoderName) \(realTime)bitrate=\(bitrate) "
                + "key-int-max=\(gop) ! video/x-h264,profile=constrained-baseline ! \(Self.parser)"
        case .openh264enc:
            return "openh264enc name=\(Self.encoderName) bitrate=\(bitrate * 1000) rate-control=bitrate "
                + "complexity=low gop-size=\(gop) ! video/x-h264,profile=constrained-baseline ! \(Self.parser)"
        case .v4l2h264enc:
            // The Pi's encoder wants I420/NV12 in and a level in its output caps; repeat_sequence_header puts
            // SPS/PPS before every key frame.
            return "v4l2h264enc name=\(Self.encoderName) extra-controls=\"controls,video_bitrate=\(bitrate * 1000),"
                + "repeat_sequence_header=1,h264_i_frame_period=\(gop)\" "
                + "! video/x-h264,profile=constrained-baseline,level=(string)3.1 ! \(Self.parser)"
        case .vp8enc:
            return "vp8enc name=\(Self.encoderName) deadline=1 cpu-used=8 end-usage=cbr "
                + "target-bitrate=\(bitrate * 1000) keyframe-max-dist=\(gop) lag-in-frames=0 "
                + "error-resilient=partitions"
        }
    }

    /// SPS/PPS before every IDR frame (a viewer that joins or lost packets can decode from the next key frame).
    /// The parser adds them only when the encoder did not; the payloader's `config-interval` would add them
    /// again, which some decoders (OpenH264) refuse.
    static let parser = "h264parse config-interval=-1"

    /// The RTP caps end in `rtcp-fb-goog-remb`, which webrtcbin writes into the offer as `a=rtcp-fb:96 goog-remb`:
    /// with it (and no transport-cc) Chromium sends REMB, its estimate of the link, which ``BitrateController`` uses.
    var payloaderFragment: String {
        let caps = "application/x-rtp,media=video,encoding-name=\(encoder.codec.encodingName),payload=\(payloadType),"
            + "rtcp-fb-goog-remb=(boolean)true"
        switch encoder.codec {
        case .h264:
            return "rtph264pay aggregate-mode=zero-latency pt=\(payloadType) ! \(caps)"
        case .vp8:
            return "rtpvp8pay picture-id-mode=15-bit pt=\(payloadType) ! \(caps)"
        }
    }
}
