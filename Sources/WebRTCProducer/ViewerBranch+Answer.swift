import CGStreamer

/// Answering the viewer's offer (KVS: the viewer offers, the producer answers).
extension ViewerBranch {
    /// Applies the viewer's offer and asks webrtcbin for the answer, which comes back as
    /// ``ProducerEvent/answerCreated(branch:sdp:)``. webrtcbin runs its operations in order, so `create-answer` runs
    /// once the offer is set (and fails the branch if it could not be). Throws when the offer has no video m-line
    /// with `codec` (naming what the viewer offered) or is not SDP.
    func answer(_ offer: String, sending codec: VideoCodec) throws(GStreamerError) {
        let offered = Self.offeredVideoCodecs(in: offer)
        guard offered.contains(where: { $0.uppercased() == codec.encodingName }) else {
            throw GStreamerError(
                "the viewer's offer has no \(codec.encodingName) video (it offered "
                    + (offered.isEmpty ? "no video" : offered.joined(separator: ", "))
                    + "); start robot-webrtc with a --codec the viewer can decode")
        }
        try setDescription(offer, type: GST_WEBRTC_SDP_TYPE_OFFER, local: false)
        let promise = gst_promise_new_with_change_func(
            GStreamerCallbacks.answerCreated, CallbackContext(branch: serial, events: events).retained(),
            GStreamerCallbacks.releaseData)
        cgst_webrtc_create_answer(webrtc, promise)
        gst_promise_unref(promise)
    }

    func applyLocalAnswer(_ sdp: String) throws(GStreamerError) {
        try setDescription(sdp, type: GST_WEBRTC_SDP_TYPE_ANSWER, local: true)
    }

    /// The encoding names (`a=rtpmap:<pt> <name>/<clock>`) of the video m-lines of `sdp`, each once, in order of
    /// appearance; retransmission and error-correction formats (rtx, red, ulpfec, flexfec) left out.
    static func offeredVideoCodecs(in sdp: String) -> [String] {
        var names: [String] = []
        var inVideo = false
        for line in sdp.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("m=") {
                inVideo = line.hasPrefix("m=video ")
            } else if inVideo, line.hasPrefix("a=rtpmap:") {
                let fields = line.split(separator: " ", maxSplits: 1)
                guard fields.count == 2, let name = fields[1].split(separator: "/").first else { continue }
                let codec = String(name)
                if !["rtx", "red", "ulpfec", "flexfec-03"].contains(codec.lowercased()), !names.contains(codec) {
                    names.append(codec)
                }
            }
        }
        return names
    }
}
