import Logging

/// The viewers' RTCP (``ProducerEvent/receiverReport(branch:_:)``) steering the encoder: ``VideoBlockPicker`` finds
/// the video's report block, the ``BitrateController`` decides, this sets the encoder (``MediaPipeline/setBitrate(kbps:)``) and logs each change at
/// info as `video bitrate N kbit/s (reason)` with `webrtc.bitrateKbps`. Owned by the ``Broadcaster``, in its task.
///
/// With `--no-adaptive-bitrate` the feedback is still read and logged at debug, and the encoder keeps `--bitrate`.
final class BitrateAdaptation {
    private var controller: BitrateController<ContinuousClock.Instant>
    private let pipeline: MediaPipeline
    private let logger: Logger
    private var isEnabled: Bool
    private var pickers: [Int: VideoBlockPicker] = [:]

    init(settings: ProducerSettings, pipeline: MediaPipeline, logger: Logger) {
        controller = BitrateController(
            startKbps: settings.bitrateKbps, minKbps: settings.minBitrateKbps, maxKbps: settings.maxBitrateKbps)
        isEnabled = settings.adaptiveBitrate
        self.pipeline = pipeline
        self.logger = logger
    }

    func report(_ report: ReceiverReport, branch: Int) {
        let feedback = pickers[branch, default: VideoBlockPicker()].feedback(from: report)
        logger.debug(
            "video feedback",
            metadata: [
                "webrtc.branch": "\(branch)", "webrtc.lossFraction": "\(feedback.lossFraction.map { "\($0)" } ?? "-")",
                "webrtc.rembKbps": "\(feedback.rembKbps.map { "\($0)" } ?? "-")",
                "webrtc.roundTripMs": "\(feedback.roundTripMs.map { "\($0)" } ?? "-")",
                "webrtc.blocks": "\(report.blocks.map { "\($0.ssrc):\($0.fractionLost)/256@\($0.highestSequence)" })",
            ])
        guard isEnabled else { return }
        apply(controller.feedback(feedback, from: branch, now: .now))
    }

    func viewerLeft(branch: Int) {
        pickers.removeValue(forKey: branch)
        guard isEnabled else { return }
        apply(controller.viewerLeft(branch))
    }

    private func apply(_ change: BitrateController<ContinuousClock.Instant>.Change?) {
        guard let change else { return }
        guard pipeline.setBitrate(kbps: change.kbps) else {
            isEnabled = false
            logger.warning(
                "video bitrate: this encoder cannot change its bit rate while running; it stays at --bitrate")
            return
        }
        logger.info(
            "video bitrate \(change.kbps) kbit/s (\(change.reason))",
            metadata: ["webrtc.bitrateKbps": "\(change.kbps)", "webrtc.bitrateReason": "\(change.reason)"])
    }
}
