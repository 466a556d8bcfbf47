import CGStreamer

/// Answering the viewer's offer (KVS: the viewer offers, the producer answers).
///
/// The branch is built with the offer (``ViewerOffer``): its send streams carry the viewer's payload types
/// (``PayloadTypeRewrite``). webrtcbin 1.22 matches an offered m-line to a send transceiver by the caps its sink pad
/// received, so the answer waits until every rewritten stream's caps got there (``noteStreamReady()``); then
/// ``answer()`` sets the offer and asks for the answer, which comes back as
/// ``ProducerEvent/answerCreated(branch:sdp:)``.
extension ViewerBranch {
    /// Counts one rewritten stream whose caps reached webrtcbin; true when the last one did and the branch has not
    /// answered yet.
    func noteStreamReady() -> Bool {
        guard offer != nil, !answerRequested else { return false }
        pendingStreams -= 1
        return pendingStreams <= 0
    }

    /// Applies the viewer's offer and asks webrtcbin for the answer. webrtcbin runs its operations in order, so
    /// `create-answer` runs once the offer is set (and fails the branch if it could not be).
    func answer() throws(GStreamerError) {
        guard let offer, !answerRequested else { return }
        answerRequested = true
        try setDescription(offer.sdp, type: GST_WEBRTC_SDP_TYPE_OFFER, local: false)
        create(GST_WEBRTC_SDP_TYPE_ANSWER)
    }

    /// Sets our answer (webrtcbin's, ``ViewerOffer/completing(_:)``) as the local description.
    func applyLocalAnswer(_ sdp: String) throws(GStreamerError) {
        try setDescription(sdp, type: GST_WEBRTC_SDP_TYPE_ANSWER, local: true)
    }
}
