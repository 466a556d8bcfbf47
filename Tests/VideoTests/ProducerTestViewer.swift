import CGStreamer
import Synchronization
import TestSupport

/// A viewer made of GStreamer itself, for tests: a receiving webrtcbin that answers the producer's offer,
/// depayloads and decodes what arrives, and counts the decoded frames (and audio buffers, and the loud ones). With
/// `talkTone`, it sends a 880 Hz tone on the offer's audio m-line when that lets the robot receive. It talks to the producer through the
/// test's signaling peer (the test forwards ``events`` and calls ``accept(offer:)`` / ``addCandidate(_:_:)``).
///
/// `@unchecked Sendable`: besides immutable values it holds GStreamer pointers that are only used with
/// GStreamer's thread-safe calls (signal emission, `gst_element_set_state`).
final class ProducerTestViewer: @unchecked Sendable {
    enum Event: Sendable {
        case answer(String)
        case candidate(UInt32, String)
        case failed(String)
    }

    let events: AsyncStream<Event>
    private let context: Context
    private let pipeline: UnsafeMutablePointer<GstElement>

    /// The webrtcbin, its callbacks' channel and the frame counter; handed to C callbacks through `Unmanaged`.
    final class Context: @unchecked Sendable {
        let webrtc: UnsafeMutablePointer<GstElement>
        let pipeline: UnsafeMutablePointer<GstElement>
        let decoder: String
        let continuation: AsyncStream<Event>.Continuation
        let frames = Atomic<Int>(0)
        let audioBuffers = Atomic<Int>(0)
        /// Decoded audio buffers whose RMS is above ``ProducerTestViewer/loudRMS``.
        let loudAudioBuffers = Atomic<Int>(0)

        init(
            webrtc: UnsafeMutablePointer<GstElement>, pipeline: UnsafeMutablePointer<GstElement>, decoder: String,
            continuation: AsyncStream<Event>.Continuation
        ) {
            self.webrtc = webrtc
            self.pipeline = pipeline
            self.decoder = decoder
            self.continuation = continuation
        }

        func retained() -> UnsafeMutableRawPointer { Unmanaged.passRetained(self).toOpaque() }
        static func borrowed(_ data: UnsafeMutableRawPointer?) -> Context {
            Unmanaged<Context>.fromOpaque(data!).takeUnretainedValue()
        }
    }

    /// Frames decoded so far.
    var decodedFrames: Int { context.frames.load(ordering: .relaxed) }
    /// Audio buffers decoded so far, and how many of them were not silence.
    var decodedAudioBuffers: Int { context.audioBuffers.load(ordering: .relaxed) }
    var loudAudioBuffers: Int { context.loudAudioBuffers.load(ordering: .relaxed) }
    /// RMS (of S16 samples) above which a buffer counts as sound: the producer's test tone is ≈ 1150.
    static let loudRMS = 100.0

    private let talkTone: Bool

    /// - Parameters:
    ///   - encoding: "H264" or "VP8": which depayloader and decoder to use.
    ///   - talkTone: answer the offer's audio m-line (when the robot may receive) with a tone.
    init(encoding: String, talkTone: Bool = false) throws {
        self.talkTone = talkTone
        guard gst_init_check(nil, nil, nil) != 0 else { throw TestSupportError("cannot initialise GStreamer") }
        // Both created floating: the pipeline is sunk (ours), the webrtcbin sunk (ours) then added (the bin's too).
        guard let parsed = gst_pipeline_new("test-viewer"), let webrtc = gst_element_factory_make("webrtcbin", nil)
        else {
            throw TestSupportError("cannot create the test viewer's webrtcbin")
        }
        gst_object_ref_sink(parsed)
        gst_object_ref_sink(webrtc)
        gst_bin_add(cgst_bin(parsed), webrtc)
        cgst_set_enum(webrtc, "bundle-policy", Int32(GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE.rawValue))
        pipeline = parsed
        let decoder =
            encoding == "VP8"
            ? "rtpvp8depay ! vp8dec" : "rtph264depay ! h264parse ! openh264dec"
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        self.events = events
        context = Context(webrtc: webrtc, pipeline: parsed, decoder: decoder, continuation: continuation)
        // On a loopback-only host libnice gathers nothing without this (a new reference: dropped after use).
        if let agent = cgst_get_object(webrtc, "ice-agent") {
            cgst_ice_add_local_ip_address(agent, "127.0.0.1")
            gst_object_unref(agent)
        }
        cgst_connect_ice_candidate(webrtc, Self.iceCandidate, context.retained(), Self.releaseClosure)
        cgst_connect_pad_signal(webrtc, "pad-added", Self.padAdded, context.retained(), Self.releaseClosure)
        guard gst_element_set_state(parsed, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE else {
            throw TestSupportError("the test viewer's pipeline does not start")
        }
    }

    deinit {
        stop()
        gst_object_unref(context.webrtc)
        gst_object_unref(pipeline)
    }

    func stop() {
        gst_element_set_state(pipeline, GST_STATE_NULL)
        context.continuation.finish()
    }

    /// Applies the producer's offer and answers it (the answer arrives in ``events``).
    func accept(offer sdp: String) throws {
        var message: UnsafeMutablePointer<GstSDPMessage>?
        guard gst_sdp_message_new_from_text(sdp, &message) == GST_SDP_OK, let message,
            let description = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, message)
        else { throw TestSupportError("the producer's offer is not SDP:\n\(sdp)") }
        // As a browser does: a sending audio transceiver before the offer is applied; webrtcbin matches it to the
        // offer's audio m-line by its codec when it answers.
        if talkTone, let audio = Self.audioMediaLine(sdp), audio.direction != "sendonly" {
            try sendTone()
        }
        cgst_webrtc_set_description(context.webrtc, 0, description, nil)
        gst_webrtc_session_description_free(description)
        let promise = gst_promise_new_with_change_func(Self.answerCreated, context.retained(), Self.release)
        cgst_webrtc_create_answer(context.webrtc, promise)
        gst_promise_unref(promise)
    }

    /// The audio m-line's index and direction attribute in `sdp`.
    static func audioMediaLine(_ sdp: String) -> (index: Int, direction: String)? {
        var index = -1
        var audio: (index: Int, direction: String)?
        for line in sdp.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("m=") {
                index += 1
                if audio != nil { break }
                if line.hasPrefix("m=audio ") { audio = (index, "sendrecv") }
            } else if audio != nil, ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"].contains(line) {
                audio?.direction = String(line.dropFirst(2))
            }
        }
        return audio
    }

    /// An 880 Hz Opus tone into a new send-receive audio transceiver.
    private func sendTone() throws {
        let line =
            "audiotestsrc is-live=true wave=sine freq=880 volume=0.3 ! audioconvert ! audioresample "
            + "! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! rtpopuspay pt=111"
        var error: UnsafeMutablePointer<GError>?
        let parsed = gst_parse_bin_from_description(line, 1, &error)
        if let error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "?"
            g_error_free(error)
            throw TestSupportError("cannot build the test viewer's tone: \(message)")
        }
        guard let tone = parsed, let source = gst_element_get_static_pad(tone, "src") else {
            throw TestSupportError("the test viewer's tone has no src pad")
        }
        defer { gst_object_unref(source) }
        gst_bin_add(cgst_bin(pipeline), tone)
        guard let sink = gst_element_request_pad_simple(context.webrtc, "sink_%u") else {
            throw TestSupportError("the test viewer's webrtcbin gave no sink pad")
        }
        defer { gst_object_unref(sink) }
        if let transceiver = cgst_get_object(sink, "transceiver") {
            cgst_set_enum(transceiver, "direction", Int32(GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV.rawValue))
            gst_object_unref(transceiver)
        }
        guard gst_pad_link(source, sink) == GST_PAD_LINK_OK else {
            throw TestSupportError("cannot link the tone to the test viewer's webrtcbin")
        }
        gst_element_sync_state_with_parent(tone)
    }

    func addCandidate(_ candidate: String, _ index: UInt32) {
        cgst_webrtc_add_ice_candidate(context.webrtc, index, candidate)
    }

    // MARK: C callbacks

    private static let releaseClosure: GClosureNotify = { data, _ in
        Unmanaged<Context>.fromOpaque(data!).release()
    }
    private static let release: GDestroyNotify = { data in
        Unmanaged<Context>.fromOpaque(data!).release()
    }

    private static let iceCandidate: cgst_ice_candidate_callback = { _, index, candidate, data in
        guard let candidate else { return }
        Context.borrowed(data).continuation.yield(.candidate(index, String(cString: candidate)))
    }

    private static let answerCreated: GstPromiseChangeFunc = { promise, data in
        let context = Context.borrowed(data)
        guard let promise, gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED,
            let reply = gst_promise_get_reply(promise), let value = gst_structure_get_value(reply, "answer"),
            let boxed = g_value_get_boxed(value)
        else {
            context.continuation.yield(.failed("create-answer gave no answer"))
            return
        }
        let answer = boxed.assumingMemoryBound(to: GstWebRTCSessionDescription.self)
        cgst_webrtc_set_description(context.webrtc, 1, answer, nil)
        guard let text = gst_sdp_message_as_text(answer.pointee.sdp) else { return }
        context.continuation.yield(.answer(String(cString: text)))
        g_free(text)
    }

    /// A stream arrived: depayload, decode, count.
    private static let padAdded: cgst_pad_callback = { _, pad, data in
        let context = Context.borrowed(data)
        guard let pad, gst_pad_get_direction(pad) == GST_PAD_SRC else { return }
        let isAudio = isAudioPad(pad)
        let decoder =
            isAudio
            ? "rtpopusdepay ! opusdec ! audioconvert ! audio/x-raw,format=S16LE,channels=1" : context.decoder
        var error: UnsafeMutablePointer<GError>?
        guard
            let bin = gst_parse_bin_from_description(
                "queue ! \(decoder) ! fakesink name=frames sync=false", 1, &error)
        else {
            context.continuation.yield(.failed("cannot build the decoder"))
            return
        }
        gst_bin_add(cgst_bin(context.pipeline), bin)
        gst_element_sync_state_with_parent(bin)
        if let sink = gst_element_get_static_pad(bin, "sink") {
            if gst_pad_link(pad, sink) != GST_PAD_LINK_OK {
                context.continuation.yield(.failed("cannot link the decoder"))
            }
            gst_object_unref(sink)
        }
        if let fakesink = gst_bin_get_by_name(cgst_bin(bin), "frames") {
            if let sinkPad = gst_element_get_static_pad(fakesink, "sink") {
                gst_pad_add_probe(
                    sinkPad, GST_PAD_PROBE_TYPE_BUFFER, isAudio ? measureAudio : countFrame, context.retained(),
                    release)
                gst_object_unref(sinkPad)
            }
            gst_object_unref(fakesink)
        }
    }

    private static let countFrame: GstPadProbeCallback = { _, _, data in
        Context.borrowed(data).frames.add(1, ordering: .relaxed)
        return GST_PAD_PROBE_OK
    }

    /// Whether webrtcbin's new src pad belongs to an audio transceiver (its caps are not known yet).
    private static func isAudioPad(_ pad: UnsafeMutablePointer<GstPad>) -> Bool {
        guard let transceiver = cgst_get_object(pad, "transceiver") else { return false }
        defer { gst_object_unref(transceiver) }
        return cgst_get_enum(transceiver, "kind") == Int32(GST_WEBRTC_KIND_AUDIO.rawValue)
    }

    /// Counts a decoded S16 buffer, and whether its RMS is above ``loudRMS``.
    private static let measureAudio: GstPadProbeCallback = { _, info, data in
        let context = Context.borrowed(data)
        guard let info, let buffer = info.pointee.data?.assumingMemoryBound(to: GstBuffer.self) else {
            return GST_PAD_PROBE_OK
        }
        var map = GstMapInfo()
        guard gst_buffer_map(buffer, &map, GST_MAP_READ) != 0 else { return GST_PAD_PROBE_OK }
        defer { gst_buffer_unmap(buffer, &map) }
        let samples = UnsafeRawBufferPointer(start: map.data, count: Int(map.size)).bindMemory(to: Int16.self)
        context.audioBuffers.add(1, ordering: .relaxed)
        if AudioLevel.rms(samples) > loudRMS {
            context.loudAudioBuffers.add(1, ordering: .relaxed)
        }
        return GST_PAD_PROBE_OK
    }
}
