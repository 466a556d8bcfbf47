import CGStreamer
import Logging
import POSIXThreads
import Synchronization

/// The shared part of the pipeline (source → encoder → payloader → tee, see ``PipelineDescription``; with audio,
/// microphone → Opus → `audio-viewers` tee and silence → mixer → speaker, see ``AudioPipelineDescription``), which
/// every viewer's ``ViewerBranch`` hangs off.
///
/// Not `Sendable`: only the ``Broadcaster``'s task touches it. The one exception is the bus, which a detached
/// thread reads (``watchBus(events:logger:)``): a `GstBus` is thread-safe, and that thread holds its own
/// references.
///
/// References: `gst_parse_launch` returns a *floating* pipeline, which `init` sinks so that this object owns
/// it; `gst_bin_get_by_name` returns a new reference to each named element. ``shutdown()`` drops all of them.
final class MediaPipeline {
    let pipeline: UnsafeMutablePointer<GstElement>
    let tee: UnsafeMutablePointer<GstElement>
    private let valve: UnsafeMutablePointer<GstElement>
    private let encoder: UnsafeMutablePointer<GstElement>
    private let encoderKind: VideoEncoder
    /// The audio tee and its valve, when there is an audio source.
    let audioTee: UnsafeMutablePointer<GstElement>?
    private let audioValve: UnsafeMutablePointer<GstElement>?
    /// The speaker's mixer, when there is a sink: each viewer's voice joins on a request pad.
    let mixer: UnsafeMutablePointer<GstElement>?
    /// The WAV encoder of a `file:` sink.
    private let wavEncoder: UnsafeMutablePointer<GstElement>?
    let audio: AudioPipelineDescription
    private var isShutDown = false
    private var isStopped = false
    private let busStopped = StopFlag()

    init(
        description: PipelineDescription, audio: AudioPipelineDescription = AudioPipelineDescription(settings: .off)
    ) throws(GStreamerError) {
        try GStreamer.initialize()
        self.audio = audio
        encoderKind = description.encoder
        let line = [description.launchLine, audio.launchLine].filter { !$0.isEmpty }.joined(separator: " ")
        var error: UnsafeMutablePointer<GError>?
        let parsed = gst_parse_launch(line, &error)
        if let problem = GStreamerError.take(error) {
            if let parsed { gst_object_unref(parsed) }
            throw GStreamerError("cannot build the pipeline `\(line)`: \(problem) — is the plugin installed?")
        }
        guard let parsed else { throw GStreamerError("cannot build the pipeline `\(line)`") }
        gst_object_ref_sink(parsed)
        pipeline = parsed
        func named(_ name: String) throws(GStreamerError) -> UnsafeMutablePointer<GstElement> {
            guard let element = gst_bin_get_by_name(cgst_bin(parsed), name) else {
                gst_object_unref(parsed)
                throw GStreamerError("the pipeline has no element named \(name)")
            }
            return element
        }
        tee = try named(PipelineDescription.teeName)
        valve = try named(PipelineDescription.valveName)
        encoder = try named(PipelineDescription.encoderName)
        // Each is there exactly when the description has its chain; gst_bin_get_by_name returns a new reference.
        audioTee = gst_bin_get_by_name(cgst_bin(parsed), AudioPipelineDescription.teeName)
        audioValve = gst_bin_get_by_name(cgst_bin(parsed), AudioPipelineDescription.valveName)
        mixer = gst_bin_get_by_name(cgst_bin(parsed), AudioPipelineDescription.mixerName)
        wavEncoder = gst_bin_get_by_name(cgst_bin(parsed), AudioPipelineDescription.wavEncoderName)
        if let clockSource = gst_bin_get_by_name(cgst_bin(parsed), VideoSource.clockSourceName) {
            ClockStripeProbe.install(on: clockSource)
            gst_object_unref(clockSource)
        }
    }

    deinit {
        shutdown()
    }

    /// Starts the source. On failure the error the failing element posted is in the thrown error.
    func play() throws(GStreamerError) {
        guard gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE else { return }
        var detail = "no element said why"
        if let bus = gst_element_get_bus(pipeline) {
            let errorType = GstMessageType(rawValue: GST_MESSAGE_ERROR.rawValue)
            if let message = gst_bus_pop_filtered(bus, errorType) {
                detail = Self.describeError(message)
                gst_message_unref(message)
            }
            gst_object_unref(bus)
        }
        throw GStreamerError("cannot start the video pipeline: \(detail)")
    }

    /// Opens the valves (the video's before the encoder, the audio's before its tee) while someone watches; closes
    /// them when nobody does.
    func setFlowing(_ flowing: Bool) {
        cgst_set_boolean(valve, "drop", flowing ? 0 : 1)
        if let audioValve {
            cgst_set_boolean(audioValve, "drop", flowing ? 0 : 1)
        }
    }

    /// Asks the encoder for a key frame with SPS/PPS now (a viewer that just connected decodes nothing before one).
    func requestKeyFrame() {
        guard let pad = gst_element_get_static_pad(encoder, "src") else { return }
        defer { gst_object_unref(pad) }
        guard let structure = gst_structure_from_string("GstForceKeyUnit, all-headers=(boolean)true", nil),
            let event = gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, structure)
        else { return }
        _ = gst_pad_send_event(pad, event)
    }

    /// Sets the video encoder's target bit rate while it runs; false when this encoder cannot change it (the Pi's
    /// v4l2h264enc takes its bit rate once, from `extra-controls`, when it starts).
    func setBitrate(kbps: Int) -> Bool {
        switch encoderKind {
        case .x264enc: cgst_set_uint(encoder, "bitrate", UInt32(kbps))
        case .openh264enc: cgst_set_uint(encoder, "bitrate", UInt32(kbps * 1000))
        // libvpx applies a new target-bitrate to the running encoder (vpx_codec_enc_config_set).
        case .vp8enc: cgst_set_int(encoder, "target-bitrate", Int32(kbps * 1000))
        case .v4l2h264enc: return false
        }
        return true
    }

    /// Reads the bus on a detached thread until ``shutdown()``: errors and end-of-stream become events,
    /// warnings are logged, latency changes (a viewer joined) are applied at once.
    func watchBus(events: AsyncStream<ProducerEvent>.Continuation, logger: Logger) {
        guard let bus = gst_element_get_bus(pipeline) else { return }
        gst_object_ref(pipeline)
        let watch = BusWatch(bus: bus, pipeline: pipeline, stopped: busStopped)
        DetachedThread.start {
            watch.run(events: events, logger: logger)
        }
    }

    /// Stops everything, every branch included, and the bus thread. A WAV sink gets an end-of-stream first, so
    /// that `wavenc` writes the lengths into the file's header (serialised with the mixer's pushes by the pad's
    /// stream lock).
    func stopStreaming() {
        busStopped.set()
        if !isStopped, let wavEncoder, let pad = gst_element_get_static_pad(wavEncoder, "sink") {
            _ = gst_pad_send_event(pad, gst_event_new_eos())
            gst_object_unref(pad)
        }
        isStopped = true
        gst_element_set_state(pipeline, GST_STATE_NULL)
    }

    /// ``stopStreaming()``, then drops this object's references. Idempotent.
    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        stopStreaming()
        for element in [audioTee, audioValve, mixer, wavEncoder] {
            if let element { gst_object_unref(element) }
        }
        gst_object_unref(encoder)
        gst_object_unref(valve)
        gst_object_unref(tee)
        gst_object_unref(pipeline)
    }

    /// "element: message (debug)" for an error message.
    static func describeError(_ message: UnsafeMutablePointer<GstMessage>) -> String {
        var error: UnsafeMutablePointer<GError>?
        var debug: UnsafeMutablePointer<gchar>?
        gst_message_parse_error(message, &error, &debug)
        return describe(message, error: error, debug: debug)
    }

    static func describeWarning(_ message: UnsafeMutablePointer<GstMessage>) -> String {
        var error: UnsafeMutablePointer<GError>?
        var debug: UnsafeMutablePointer<gchar>?
        gst_message_parse_warning(message, &error, &debug)
        return describe(message, error: error, debug: debug)
    }

    private static func describe(
        _ message: UnsafeMutablePointer<GstMessage>, error: UnsafeMutablePointer<GError>?,
        debug: UnsafeMutablePointer<gchar>?
    ) -> String {
        let text = GStreamerError.take(error) ?? "unknown error"
        var detail = ""
        if let debug {
            detail = " (" + String(cString: debug) + ")"
            g_free(debug)
        }
        return "\(sourcePath(message)): \(text)\(detail)"
    }

    /// The path of the element that posted `message`, e.g. `/GstPipeline:pipeline0/GstBin:viewer-3/…`.
    static func sourcePath(_ message: UnsafeMutablePointer<GstMessage>) -> String {
        guard let source = cgst_message_source(message), let path = gst_object_get_path_string(source) else {
            return "?"
        }
        defer { g_free(path) }
        return String(cString: path)
    }
}

/// Tells the bus thread to end (a message would not do: a pipeline going to NULL flushes its bus).
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// The bus thread's references (its own: taken before the thread starts, dropped when it ends).
/// `@unchecked Sendable`: `GstBus` is thread-safe and the pipeline is only used for `gst_bin_recalculate_latency`,
/// which is too.
private struct BusWatch: @unchecked Sendable {
    let bus: UnsafeMutablePointer<GstBus>
    let pipeline: UnsafeMutablePointer<GstElement>
    let stopped: StopFlag

    func run(events: AsyncStream<ProducerEvent>.Continuation, logger: Logger) {
        defer {
            gst_object_unref(bus)
            gst_object_unref(pipeline)
        }
        let wanted = GstMessageType(
            rawValue: GST_MESSAGE_ERROR.rawValue | GST_MESSAGE_WARNING.rawValue | GST_MESSAGE_EOS.rawValue
                | GST_MESSAGE_LATENCY.rawValue)
        let pollInterval: GstClockTime = 200_000_000  // ns: how soon the thread notices shutdown()
        while !stopped.isSet {
            guard let message = gst_bus_timed_pop_filtered(bus, pollInterval, wanted) else { continue }
            defer { gst_message_unref(message) }
            let type = cgst_message_type(message)
            if type == GST_MESSAGE_LATENCY {
                _ = gst_bin_recalculate_latency(cgst_bin(pipeline))
            } else if type == GST_MESSAGE_WARNING {
                logger.warning("gstreamer: \(MediaPipeline.describeWarning(message))")
            } else if type == GST_MESSAGE_ERROR {
                let path = MediaPipeline.sourcePath(message)
                let text = MediaPipeline.describeError(message)
                if let branch = ViewerBranch.serial(inPath: path) {
                    events.yield(.branchFailed(branch: branch, reason: text))
                } else {
                    events.yield(.pipelineFailed(text))
                }
            } else if type == GST_MESSAGE_EOS {
                events.yield(.endOfStream)
            }
        }
    }
}
