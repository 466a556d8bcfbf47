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
    private var retransmissions: [Int: RetransmissionBudget] = [:]
    /// The history last set on each viewer's rtprtxsend.
    private var appliedHistoryMs: [Int: Int] = [:]

    init(settings: ProducerSettings, pipeline: MediaPipeline, logger: Logger) {
        controller = BitrateController(
            startKbps: settings.bitrateKbps, minKbps: settings.minBitrateKbps, maxKbps: settings.maxBitrateKbps)
        isEnabled = settings.adaptiveBitrate
        self.pipeline = pipeline
        self.logger = logger
    }

    func report(_ report: ReceiverReport, from viewer: ViewerBranch) {
        let branch = viewer.serial
        let feedback = pickers[branch, default: VideoBlockPicker()].feedback(from: report)
        logger.debug(
            "video feedback",
            metadata: [
                "webrtc.branch": "\(branch)", "webrtc.lossFraction": "\(feedback.lossFraction.map { "\($0)" } ?? "-")",
                "webrtc.rembKbps": "\(feedback.rembKbps.map { "\($0)" } ?? "-")",
                "webrtc.roundTripMs": "\(feedback.roundTripMs.map { "\($0)" } ?? "-")",
                "webrtc.blocks": "\(report.blocks.map { "\($0.ssrc):\($0.fractionLost)/256@\($0.highestSequence)" })",
            ])
        limitRetransmissions(of: viewer, feedback: feedback)
        guard isEnabled else { return }
        apply(controller.feedback(feedback, from: branch, now: .now))
    }

    /// Sets the viewer's RTX history (``RetransmissionBudget``) when it changed: at info the first time, then at
    /// debug.
    private func limitRetransmissions(of viewer: ViewerBranch, feedback: ReceiverFeedback) {
        let branch = viewer.serial
        let historyMs = retransmissions[branch, default: RetransmissionBudget()].feedback(feedback)
        let previous = appliedHistoryMs[branch]
        guard historyMs != previous, let sent = viewer.limitRetransmissions(historyMs: historyMs) else { return }
        appliedHistoryMs[branch] = historyMs
        let metadata: Logger.Metadata = [
            "webrtc.branch": "\(branch)", "webrtc.rtxHistoryMs": "\(historyMs)", "webrtc.rtxPackets": "\(sent)",
        ]
        logger.log(
            level: previous == nil ? .info : .debug, "video retransmissions: \(historyMs) ms of history",
            metadata: metadata)
    }

    func viewerLeft(branch: Int) {
        pickers.removeValue(forKey: branch)
        retransmissions.removeValue(forKey: branch)
        appliedHistoryMs.removeValue(forKey: branch)
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
