import CGStreamer

/// Wiring shared by the video and the audio half of a viewer's bin.
extension ViewerBranch {
    /// A leaky queue in `bin` → a new `sink_%u` pad of webrtcbin, whose transceiver gets `direction`; the queue's
    /// sink is ghosted on `bin` as `ghostName`. The transceivers' order is the m-lines' order. Leaky: a slow viewer
    /// drops its own packets instead of stalling the tee, and so everyone else.
    ///
    /// `stream` is the track's MediaStream id (`a=msid`). Video and audio get different ones on purpose: a browser
    /// lip-syncs the tracks of one stream, which holds the picture back to the audio's (larger) playout delay — for
    /// a robot the picture's latency matters more than lip sync. `nack`: the transceiver answers the viewer's NACKs
    /// with retransmissions (webrtcbin's `do-nack`; bounded by ``limitRetransmissions(historyMs:)``). `rewrite`: the
    /// stream leaves the queue with the viewer's payload type (answering its offer).
    static func feedTransceiver(
        of bin: UnsafeMutablePointer<GstElement>, into webrtc: UnsafeMutablePointer<GstElement>,
        direction: GstWebRTCRTPTransceiverDirection, stream: String, as ghostName: String, nack: Bool = false,
        rewrite: PayloadTypeRewrite? = nil
    ) throws(GStreamerError) {
        guard let queue = gst_element_factory_make("queue", nil) else {
            throw GStreamerError("cannot create a queue element")
        }
        gst_bin_add(cgst_bin(bin), queue)
        gst_util_set_object_arg(cgst_gobject(queue), "leaky", "downstream")
        guard let sink = gst_element_request_pad_simple(webrtc, "sink_%u") else {
            throw GStreamerError("webrtcbin gave no sink pad for \(ghostName)")
        }
        defer { gst_object_unref(sink) }
        cgst_set_string(sink, "msid", stream)
        if let transceiver = cgst_get_object(sink, "transceiver") {
            cgst_set_enum(transceiver, "direction", Int32(direction.rawValue))
            if nack { cgst_set_boolean(transceiver, "do-nack", 1) }
            gst_object_unref(transceiver)
        }
        guard let queueSource = gst_element_get_static_pad(queue, "src") else {
            throw GStreamerError("queue has no src pad")
        }
        defer { gst_object_unref(queueSource) }
        rewrite?.install(on: queueSource)
        guard gst_pad_link(queueSource, sink) == GST_PAD_LINK_OK else {
            throw GStreamerError("cannot link the \(ghostName) queue to webrtcbin")
        }
        try ghost(queue, "sink", on: bin, as: ghostName)
    }

    /// Ghosts `element`'s pad `name` on `bin` as `ghostName`.
    static func ghost(
        _ element: UnsafeMutablePointer<GstElement>, _ name: String, on bin: UnsafeMutablePointer<GstElement>,
        as ghostName: String
    ) throws(GStreamerError) {
        guard let pad = gst_element_get_static_pad(element, name) else {
            throw GStreamerError("no \(name) pad to ghost as \(ghostName)")
        }
        defer { gst_object_unref(pad) }
        guard let ghost = gst_ghost_pad_new(ghostName, pad), gst_element_add_pad(bin, ghost) != 0 else {
            throw GStreamerError("cannot ghost \(ghostName)")
        }
    }
}
