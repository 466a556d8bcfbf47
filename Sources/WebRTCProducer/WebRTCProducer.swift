public import Logging
public import ServiceLifecycle

/// `robot-webrtc` as a service: one pipeline (source → encoder → payloader → tee; with audio, microphone → Opus → tee
/// and silence → mixer → speaker, see ``AudioPipelineDescription``) and one webrtcbin per viewer, signaled over
/// robot-server's WebSocket (`/robots/{thing}/signal?role=producer`, see `docs/SIGNALING.md`; the producer offers)
/// or another ``SignalingTransport`` (KVS: the viewers offer, the producer answers).
///
/// Threads: the ``Broadcaster`` runs in this service's task and owns all state; the signaling transport runs
/// in a child task; GStreamer callbacks and a detached bus thread only post ``ProducerEvent``s into one
/// `AsyncStream`. No GLib main loop is needed: webrtcbin runs its own threads (libnice its own main context),
/// and the bus is read with `gst_bus_timed_pop_filtered` on the bus thread.
///
/// Stops on graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`): closes the WebSocket and sets the
/// pipeline to NULL. Throws — so that the process exits non-zero and robotd restarts it — when the pipeline
/// cannot start or fails (camera gone, encoder error).
public struct WebRTCProducer: Service, CustomStringConvertible {
    public let settings: ProducerSettings
    private let transport: any SignalingTransport
    private let logger: Logger

    /// A producer signaled by robot-server (``SignalingConnection``).
    public init(settings: ProducerSettings, logger: Logger) {
        self.init(
            settings: settings, transport: SignalingConnection(settings: settings, logger: logger), logger: logger)
    }

    /// A producer signaled by `transport` (KVS's, or a test's).
    init(settings: ProducerSettings, transport: any SignalingTransport, logger: Logger) {
        self.settings = settings
        self.transport = transport
        self.logger = logger
    }

    /// The settings, without the token (ServiceGroup logs services by their description).
    public var description: String { "WebRTCProducer(\(settings))" }

    /// Checks the elements and builds the pipeline description `run()` will use.
    public func plan() throws -> PipelineDescription {
        try GStreamer.initialize()
        let survey = ElementSurvey.current()
        let description = PipelineDescription(
            source: settings.source, encoder: try survey.encoder(for: settings), width: settings.width,
            height: settings.height, framesPerSecond: settings.framesPerSecond, bitrateKbps: settings.bitrateKbps,
            tuning: settings.tuning)
        let missing = survey.missingElements(
            for: description, audio: AudioPipelineDescription(settings: settings.audio))
        guard missing.isEmpty else {
            throw ProducerConfigurationError(
                "GStreamer elements missing: \(missing.joined(separator: ", ")); install those packages")
        }
        return description
    }

    public func run() async throws {
        let description = try plan()
        let (events, continuation) = AsyncStream.makeStream(of: ProducerEvent.self)
        let audio = AudioPipelineDescription(settings: settings.audio)
        let pipeline = try MediaPipeline(description: description, audio: audio)
        try pipeline.play()
        pipeline.watchBus(events: continuation, logger: logger)
        let broadcaster = Broadcaster(settings: settings, pipeline: pipeline, events: continuation, logger: logger)
        defer { broadcaster.finish() }
        logger.notice(
            "robot-webrtc: video pipeline running",
            metadata: [
                "webrtc.pipeline": "\(description.launchLine)", "webrtc.audioPipeline": "\(audio.launchLine)",
                "webrtc.settings": "\(settings)",
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await gracefulShutdown()
                continuation.yield(.shutdown)
            }
            group.addTask {
                await transport.run(events: continuation)
            }
            for await event in events {
                guard try broadcaster.handle(event) else { break }
            }
            group.cancelAll()
        }
        logger.notice("robot-webrtc: stopped")
    }
}
