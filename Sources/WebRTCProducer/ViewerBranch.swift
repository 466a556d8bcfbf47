import CGStreamer
import SignalingProtocol

/// One viewer's peer connection: a bin `viewer-N` holding a leaky queue and a webrtcbin (bundle-policy
/// max-bundle, one send-only video transceiver), fed from the shared tee; with audio, a second transceiver and its
/// elements (``ViewerAudio``).
///
/// Lifecycle, driven by the ``Broadcaster``: ``init`` builds it, ``attach(to:)`` adds it to the running pipeline
/// and links it. Offering (robot-server): webrtcbin asks for negotiation once caps arrive → ``createOffer()``;
/// ``applyLocalOffer(_:)`` and ``applyRemoteAnswer(_:)`` follow the signaling. Answering (a viewer's offer, KVS):
/// once the streams' caps arrive with the viewer's payload types → ``answer()``, then ``applyLocalAnswer(_:)``
/// (`ViewerBranch+Answer.swift`). ``addRemoteCandidate(_:sdpMLineIndex:)`` either way. Teardown is in
/// two steps so that no buffer is in flight: ``beginDetach()`` unlinks each tee pad (video, audio) from an idle
/// probe, which reports `branchUnlinked`; once all are (``noteUnlinked()``), ``finishDetach()`` stops the bin,
/// removes it and releases the request pads.
///
/// References: the bin and the webrtcbin are created floating and sunk here, so this object owns one reference
/// to each besides the parent's; the tee's request pad is owned until released. The `ice-agent` property
/// returns a new reference, dropped after use.
final class ViewerBranch {
    let serial: Int
    let viewer: String
    private let bin: UnsafeMutablePointer<GstElement>
    let webrtc: UnsafeMutablePointer<GstElement>
    let events: AsyncStream<ProducerEvent>.Continuation
    private weak var pipeline: MediaPipeline?
    private var teePad: UnsafeMutablePointer<GstPad>?
    private var audio: ViewerAudio?
    /// Tee pads still to be unlinked before ``finishDetach()``.
    private var pendingUnlinks = 0
    /// Set once the offer was asked for: webrtcbin may ask for negotiation again, the contract has one offer.
    var offerRequested = false
    /// The viewer's offer, when the viewer offers and this branch answers (``answer()``): it never makes an offer of
    /// its own.
    let offer: ViewerOffer?
    /// Set once the answer was asked for.
    var answerRequested = false
    /// Streams whose caps, with the viewer's payload type, have yet to reach webrtcbin before ``answer()``.
    var pendingStreams = 0
    var isDetaching = false
    /// Set once the RTP session's RTCP is watched (``watchFeedback()``).
    var watchesFeedback = false
    /// TURN URLs from the welcome frame that webrtcbin did not accept (the viewer is served without them).
    private(set) var refusedTURNServers = 0

    /// How long webrtcbin buffers the RTP it receives (the talker's voice), in ms.
    static let receiveLatencyMs = 80

    /// The bin's name: the bus thread finds a failing element's branch from it.
    static func binName(serial: Int) -> String { "viewer-\(serial)" }

    /// The branch serial in an element path such as `/GstPipeline:pipeline0/GstBin:viewer-3/GstWebRTCBin:…`.
    static func serial(inPath path: String) -> Int? {
        for component in path.split(separator: "/") {
            let name = component.split(separator: ":", maxSplits: 1).last ?? component
            if name.hasPrefix("viewer-"), let serial = Int(name.dropFirst(7)) {
                return serial
            }
        }
        return nil
    }

    init(
        serial: Int, viewer: String, iceServers: [ICEServer], iceLoopback: Bool,
        audio: AudioPipelineDescription = AudioPipelineDescription(settings: .off), answering offer: ViewerOffer? = nil,
        events: AsyncStream<ProducerEvent>.Continuation
    ) throws(GStreamerError) {
        self.serial = serial
        self.viewer = viewer
        self.offer = offer
        self.events = events
        guard let bin = gst_bin_new(Self.binName(serial: serial)) else {
            throw GStreamerError("cannot create a bin for viewer \(viewer)")
        }
        gst_object_ref_sink(bin)
        guard let webrtc = gst_element_factory_make("webrtcbin", "webrtc-\(serial)") else {
            gst_object_unref(bin)
            throw GStreamerError(
                "cannot create webrtcbin — are gstreamer1.0-plugins-bad and gstreamer1.0-nice installed?")
        }
        gst_object_ref_sink(webrtc)
        self.bin = bin
        self.webrtc = webrtc
        gst_bin_add(cgst_bin(bin), webrtc)
        try configure(iceServers: iceServers, iceLoopback: iceLoopback)
        let context = CallbackContext(branch: serial, events: events)
        func rewrite(_ payloadType: Int?) -> PayloadTypeRewrite? {
            guard let payloadType else { return nil }
            pendingStreams += 1
            return PayloadTypeRewrite(payloadType: payloadType, context: context)
        }
        try Self.feedTransceiver(
            of: bin, into: webrtc, direction: GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, stream: "robot-video",
            as: "sink", nack: true, rewrite: rewrite(offer?.videoPayloadType))
        if audio.settings.isEnabled {
            self.audio = try ViewerAudio(
                audio, bin: bin, webrtc: webrtc, context: context,
                rewrite: audio.settings.sends ? rewrite(offer?.audioPayloadType) : nil)
        }
        connectSignals()
    }

    deinit {
        gst_object_unref(webrtc)
        gst_object_unref(bin)
    }

    private func configure(iceServers: [ICEServer], iceLoopback: Bool) throws(GStreamerError) {
        cgst_set_enum(webrtc, "bundle-policy", Int32(GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE.rawValue))
        // The jitter buffer of what the viewer sends (its push-to-talk voice): webrtcbin's default, 200 ms, is the
        // most of the talk-back delay; a voice on a home link needs far less.
        cgst_set_uint(webrtc, "latency", UInt32(Self.receiveLatencyMs))
        if let stun = iceServers.lazy.compactMap(\.webrtcbinSTUNServer).first {
            cgst_set_string(webrtc, "stun-server", stun)
        }
        for turn in iceServers.flatMap(\.webrtcbinTURNServers) where cgst_webrtc_add_turn_server(webrtc, turn) == 0 {
            refusedTURNServers += 1
        }
        if iceLoopback {
            // libnice gathers nothing on a loopback-only host unless told about 127.0.0.1. The property getter
            // hands us a new reference to the agent: drop it once done.
            guard let agent = cgst_get_object(webrtc, "ice-agent") else {
                throw GStreamerError("webrtcbin has no ice-agent; --ice-loopback needs GStreamer ≥ 1.22")
            }
            defer { gst_object_unref(agent) }
            guard cgst_ice_add_local_ip_address(agent, "127.0.0.1") != 0 else {
                throw GStreamerError("the ICE agent refused 127.0.0.1 (--ice-loopback)")
            }
        }
    }

    private func connectSignals() {
        func context() -> UnsafeMutableRawPointer {
            CallbackContext(branch: serial, events: events).retained()
        }
        let release = GStreamerCallbacks.releaseClosureData
        cgst_connect_ice_candidate(webrtc, GStreamerCallbacks.iceCandidate, context(), release)
        cgst_connect_element_signal(
            webrtc, "on-negotiation-needed", GStreamerCallbacks.negotiationNeeded, context(), release)
        cgst_connect_notify(
            webrtc, "notify::connection-state", GStreamerCallbacks.connectionStateChanged, context(), release)
        // webrtcbin's RTP session (its child "rtpbin") notices a viewer that vanished without closing: BYE or
        // RTCP timeout. gst_bin_get_by_name returns a new reference.
        if let rtpbin = gst_bin_get_by_name(cgst_bin(webrtc), "rtpbin") {
            cgst_connect_ssrc_signal(rtpbin, "on-bye-ssrc", GStreamerCallbacks.remoteBye, context(), release)
            cgst_connect_ssrc_signal(rtpbin, "on-timeout", GStreamerCallbacks.remoteTimeout, context(), release)
            gst_object_unref(rtpbin)
        }
    }

    /// Adds the bin to the running pipeline, brings it to the pipeline's state, then links a new tee pad to it
    /// (in that order, so that the tee never pushes into a bin that is not yet playing).
    func attach(to pipeline: MediaPipeline) throws(GStreamerError) {
        self.pipeline = pipeline
        guard gst_bin_add(cgst_bin(pipeline.pipeline), bin) != 0 else {
            throw GStreamerError("cannot add \(Self.binName(serial: serial)) to the pipeline")
        }
        guard gst_element_sync_state_with_parent(bin) != 0 else {
            throw GStreamerError("\(Self.binName(serial: serial)) cannot reach the pipeline's state")
        }
        guard let pad = gst_element_request_pad_simple(pipeline.tee, "src_%u") else {
            throw GStreamerError("the tee gave no src pad")
        }
        teePad = pad
        guard let ghost = gst_element_get_static_pad(bin, "sink") else {
            throw GStreamerError("\(Self.binName(serial: serial)) has no sink pad")
        }
        defer { gst_object_unref(ghost) }
        let result = gst_pad_link(pad, ghost)
        guard result == GST_PAD_LINK_OK else {
            throw GStreamerError(
                "cannot link the tee to \(Self.binName(serial: serial)) (pad link result \(result.rawValue))")
        }
        try audio?.attach(bin: bin, to: pipeline)
    }

    /// Lets this viewer's voice through to the speaker (it is the talker) or not.
    func setTalking(_ talking: Bool) {
        audio?.setTalking(talking)
    }

    func createOffer() {
        offerRequested = true
        create(GST_WEBRTC_SDP_TYPE_OFFER)
    }

    /// Asks webrtcbin for an offer or an answer, which comes back as ``ProducerEvent/offerCreated(branch:sdp:)`` or
    /// ``ProducerEvent/answerCreated(branch:sdp:)``.
    func create(_ type: GstWebRTCSDPType) {
        let offer = type == GST_WEBRTC_SDP_TYPE_OFFER
        let promise = gst_promise_new_with_change_func(
            offer ? GStreamerCallbacks.offerCreated : GStreamerCallbacks.answerCreated,
            CallbackContext(branch: serial, events: events).retained(), GStreamerCallbacks.releaseData)
        if offer {
            cgst_webrtc_create_offer(webrtc, promise)
        } else {
            cgst_webrtc_create_answer(webrtc, promise)
        }
        gst_promise_unref(promise)
    }

    func applyLocalOffer(_ sdp: String) throws(GStreamerError) {
        try setDescription(sdp, type: GST_WEBRTC_SDP_TYPE_OFFER, local: true)
    }

    func applyRemoteAnswer(_ sdp: String) throws(GStreamerError) {
        try setDescription(sdp, type: GST_WEBRTC_SDP_TYPE_ANSWER, local: false)
    }

    func setDescription(_ text: String, type: GstWebRTCSDPType, local: Bool) throws(GStreamerError) {
        let what = type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer"
        var message: UnsafeMutablePointer<GstSDPMessage>?
        guard gst_sdp_message_new_from_text(text, &message) == GST_SDP_OK, let message else {
            throw GStreamerError("the \(local ? "local" : "viewer's") \(what) is not valid SDP")
        }
        // The description takes the SDP message; the signal copies the description.
        guard let description = gst_webrtc_session_description_new(type, message) else {
            gst_sdp_message_free(message)
            throw GStreamerError("cannot make a session description")
        }
        defer { gst_webrtc_session_description_free(description) }
        let promise = gst_promise_new_with_change_func(
            GStreamerCallbacks.descriptionApplied, CallbackContext(branch: serial, events: events).retained(),
            GStreamerCallbacks.releaseData)
        cgst_webrtc_set_description(webrtc, local ? 1 : 0, description, promise)
        gst_promise_unref(promise)
    }

    /// A candidate from the viewer; an empty one (end of candidates) is skipped.
    func addRemoteCandidate(_ candidate: String, sdpMLineIndex: UInt32) {
        guard !candidate.isEmpty else { return }
        cgst_webrtc_add_ice_candidate(webrtc, sdpMLineIndex, candidate)
    }

    /// Unlinks from the tees once no buffer is in flight; one `branchUnlinked` follows per tee pad (one at once if
    /// it was never linked). The speaker gate closes now.
    func beginDetach() {
        isDetaching = true
        setTalking(false)
        let pads = [teePad, audio?.teePad].compactMap { $0 }
        guard !pads.isEmpty else {
            pendingUnlinks = 1
            events.yield(.branchUnlinked(branch: serial))
            return
        }
        pendingUnlinks = pads.count
        for pad in pads {
            gst_pad_add_probe(
                pad, GST_PAD_PROBE_TYPE_IDLE, GStreamerCallbacks.unlinkWhenIdle,
                CallbackContext(branch: serial, events: events).retained(), GStreamerCallbacks.releaseData)
        }
    }

    /// Counts one `branchUnlinked`; true once every tee pad is unlinked.
    func noteUnlinked() -> Bool {
        pendingUnlinks -= 1
        return pendingUnlinks <= 0
    }

    /// Stops the bin, removes it from the pipeline and gives the tee pad back.
    func finishDetach() {
        gst_element_set_state(bin, GST_STATE_NULL)
        if let pipeline {
            if cgst_object(bin).pointee.parent != nil {
                gst_bin_remove(cgst_bin(pipeline.pipeline), bin)
            }
            if let teePad {
                gst_element_release_request_pad(pipeline.tee, teePad)
            }
        }
        audio?.release(from: pipeline)
        if let teePad {
            gst_object_unref(teePad)
            self.teePad = nil
        }
    }
}
