import CGStreamer

/// The audio half of a viewer's ``ViewerBranch``: webrtcbin's second transceiver (m-line 1, Opus), whose direction
/// says what the robot does — `sendrecv` with a source and a speaker, `sendonly` with only a source, `recvonly`
/// with only a speaker (docs/SIGNALING.md) — and the elements around it inside the branch's bin:
///
/// - sending: `audio-viewers` tee → (ghost `audio_sink`) leaky queue → webrtcbin's audio sink pad;
/// - receiving: webrtcbin's audio src pad (linked in its `pad-added`, see ``GStreamerCallbacks/viewerAudioAdded``)
///   → rtpopusdepay → opusdec → audioconvert → audioresample → the speaker gate (a valve, open only while this viewer
///   is the talker) → leaky queue → (ghost `audio_src`) a request pad of the speaker's mixer.
///
/// References: the tee's and the mixer's request pads are owned until ``release(from:)``; the gate and the receive
/// chain's sink pad (held by the `pad-added` handler's context) are new references from look-ups.
final class ViewerAudio {
    private let description: AudioPipelineDescription
    /// The speaker gate, when the robot plays.
    private let gate: UnsafeMutablePointer<GstElement>?
    private(set) var teePad: UnsafeMutablePointer<GstPad>?
    private var mixerPad: UnsafeMutablePointer<GstPad>?

    static let sinkName = "audio_sink"
    static let sourceName = "audio_src"

    /// Adds the audio transceiver and its elements to `bin` (whose webrtcbin is `webrtc`). Call after the video's
    /// transceiver, so that audio is m-line 1. `rewrite`: the robot's audio goes out with the viewer's payload type
    /// (answering its offer).
    init(
        _ description: AudioPipelineDescription, bin: UnsafeMutablePointer<GstElement>,
        webrtc: UnsafeMutablePointer<GstElement>, context: CallbackContext, rewrite: PayloadTypeRewrite? = nil
    ) throws(GStreamerError) {
        self.description = description
        let settings = description.settings
        if settings.sends {
            let direction =
                settings.plays
                ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
            try ViewerBranch.feedTransceiver(
                of: bin, into: webrtc, direction: direction, stream: "robot-audio", as: Self.sinkName,
                rewrite: rewrite)
        } else if settings.plays {
            guard let caps = gst_caps_from_string(description.rtpCaps) else {
                throw GStreamerError("bad RTP caps \(description.rtpCaps)")
            }
            defer { gst_caps_unref(caps) }
            let direction = Int32(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY.rawValue)
            guard let transceiver = cgst_webrtc_add_transceiver(webrtc, direction, caps) else {
                throw GStreamerError("webrtcbin refused a receive-only audio transceiver")
            }
            gst_object_unref(transceiver)
        }
        gate = settings.plays ? try Self.addReceiving(bin: bin, webrtc: webrtc, context: context) : nil
    }

    deinit {
        if let gate { gst_object_unref(gate) }
    }

    /// Opens the speaker gate while this viewer is the talker; closes it otherwise.
    func setTalking(_ talking: Bool) {
        guard let gate else { return }
        cgst_set_boolean(gate, "drop", talking ? 0 : 1)
    }

    /// Links the audio tee to the bin's `audio_sink` and its `audio_src` to a new mixer pad (the bin is already in
    /// the pipeline and playing).
    func attach(bin: UnsafeMutablePointer<GstElement>, to pipeline: MediaPipeline) throws(GStreamerError) {
        if description.settings.sends, let tee = pipeline.audioTee {
            guard let pad = gst_element_request_pad_simple(tee, "src_%u") else {
                throw GStreamerError("the audio tee gave no src pad")
            }
            teePad = pad
            try Self.link(pad, to: bin, Self.sinkName, upstream: true)
        }
        if description.settings.plays, let mixer = pipeline.mixer {
            guard let pad = gst_element_request_pad_simple(mixer, "sink_%u") else {
                throw GStreamerError("the speaker's mixer gave no sink pad")
            }
            mixerPad = pad
            try Self.link(pad, to: bin, Self.sourceName, upstream: false)
        }
    }

    /// Gives the request pads back (after the bin left the pipeline, which unlinked them).
    func release(from pipeline: MediaPipeline?) {
        if let teePad {
            if let tee = pipeline?.audioTee { gst_element_release_request_pad(tee, teePad) }
            gst_object_unref(teePad)
            self.teePad = nil
        }
        if let mixerPad {
            if let mixer = pipeline?.mixer { gst_element_release_request_pad(mixer, mixerPad) }
            gst_object_unref(mixerPad)
            self.mixerPad = nil
        }
    }

    // MARK: building

    /// The receive chain in a bin of its own, its src ghosted as the branch's `audio_src`; webrtcbin's `pad-added`
    /// links the incoming stream to its sink. Returns the gate (a new reference).
    private static func addReceiving(
        bin: UnsafeMutablePointer<GstElement>, webrtc: UnsafeMutablePointer<GstElement>, context: CallbackContext
    ) throws(GStreamerError) -> UnsafeMutablePointer<GstElement> {
        // The gate forwards caps and segment while closed, so that the mixer's pad is ready when it opens. The
        // queue keeps the mixer from holding up webrtcbin's jitter buffer; 200 ms is plenty for a live source.
        let line =
            "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! \(AudioPipelineDescription.rawCaps) "
            + "! valve name=speaker-gate drop=true drop-mode=forward-sticky-events "
            + "! queue max-size-time=200000000 max-size-buffers=0 max-size-bytes=0 leaky=downstream"
        var error: UnsafeMutablePointer<GError>?
        let parsed = gst_parse_bin_from_description(line, 1, &error)
        if let problem = GStreamerError.take(error) {
            if let parsed { gst_object_unref(parsed) }
            throw GStreamerError("cannot build the speaker path `\(line)`: \(problem)")
        }
        guard let parsed else { throw GStreamerError("cannot build the speaker path `\(line)`") }
        let receiver = parsed
        gst_bin_add(cgst_bin(bin), receiver)  // sinks the floating reference: the bin owns it
        guard let gate = gst_bin_get_by_name(cgst_bin(receiver), "speaker-gate") else {
            throw GStreamerError("the speaker path has no gate")
        }
        do {
            try ViewerBranch.ghost(receiver, "src", on: bin, as: sourceName)
        } catch {
            gst_object_unref(gate)
            throw error
        }
        guard let target = gst_element_get_static_pad(receiver, "sink") else {
            gst_object_unref(gate)
            throw GStreamerError("the speaker path has no sink pad")
        }
        let incoming = IncomingAudio(target: target, context: context)  // takes the pad reference
        cgst_connect_pad_signal(
            webrtc, "pad-added", GStreamerCallbacks.viewerAudioAdded, incoming.retained(),
            GStreamerCallbacks.releaseIncomingAudio)
        return gate
    }

    /// Links `pad` (a request pad of the shared pipeline) with the bin's ghost pad `name`: tee → bin when
    /// `upstream`, bin → mixer otherwise.
    private static func link(
        _ pad: UnsafeMutablePointer<GstPad>, to bin: UnsafeMutablePointer<GstElement>, _ name: String, upstream: Bool
    ) throws(GStreamerError) {
        guard let ghost = gst_element_get_static_pad(bin, name) else {
            throw GStreamerError("the viewer's bin has no \(name) pad")
        }
        defer { gst_object_unref(ghost) }
        let result = upstream ? gst_pad_link(pad, ghost) : gst_pad_link(ghost, pad)
        guard result == GST_PAD_LINK_OK else {
            throw GStreamerError("cannot link the viewer's \(name) (pad link result \(result.rawValue))")
        }
    }
}

/// The `pad-added` handler's user data: where the viewer's audio goes, and where to report.
/// `@unchecked Sendable`: the pad is only used with GStreamer's thread-safe pad calls; the reference is dropped
/// when GLib drops the handler.
final class IncomingAudio: @unchecked Sendable {
    let target: UnsafeMutablePointer<GstPad>
    let context: CallbackContext

    init(target: UnsafeMutablePointer<GstPad>, context: CallbackContext) {
        self.target = target
        self.context = context
    }

    deinit {
        gst_object_unref(target)
    }

    func retained() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }
}
