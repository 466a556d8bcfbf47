/// The settings that trade latency against bandwidth and robustness. The defaults are the low-latency ones; the
/// others exist to measure what each one is worth (`scripts/bench-video.sh --variant …`, BENCHMARKS.md).
public struct VideoTuning: Sendable, Equatable, CustomStringConvertible {
    /// x264enc `tune=zerolatency` (no look-ahead, no B-frames, no frame threads) and `speed-preset=ultrafast`;
    /// off leaves x264's defaults (`speed-preset=medium`, B-frames and a look-ahead: many frames of delay). Other
    /// encoders are always configured for real time.
    public var zeroLatency: Bool
    /// Seconds between key frames: how long a viewer that lost packets waits at worst for a clean picture.
    public var keyFrameSeconds: Double
    /// A two-buffer queue before the encoder that drops the oldest frame when the encoder falls behind; off is a
    /// plain queue, which delays instead of dropping.
    public var leakyQueue: Bool

    public init(zeroLatency: Bool = true, keyFrameSeconds: Double = 2, leakyQueue: Bool = true) {
        self.zeroLatency = zeroLatency
        self.keyFrameSeconds = keyFrameSeconds
        self.leakyQueue = leakyQueue
    }

    public var description: String {
        "zeroLatency=\(zeroLatency) keyFrameSeconds=\(keyFrameSeconds) leakyQueue=\(leakyQueue)"
    }
}
