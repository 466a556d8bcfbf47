import SignalingProtocol

/// Everything the producer's event loop reacts to, from the signaling connection and from GStreamer threads.
///
/// GStreamer calls back on its own threads (webrtcbin's, streaming threads, the bus thread); those callbacks only
/// turn what happened into one of these values and yield it into an `AsyncStream`, so that all state lives in
/// one task (``Broadcaster``) and nothing is shared between threads.
enum ProducerEvent: Sendable {
    /// The signaling connection (robot-server's WebSocket, or KVS's) is open; what the producer sends goes into
    /// `outgoing`, which the transport encodes. Resets the ICE servers: the transport sends them next (robot-server's
    /// `welcome`, KVS's ``SignalingMessage/iceServers(_:)``).
    case connected(generation: Int, outgoing: AsyncStream<ProducerMessage>.Continuation)
    /// A message from the signaling connection, parsed by the transport.
    case message(generation: Int, SignalingMessage)
    /// The signaling connection closed (or never opened). `keepViewers`: the viewers' peer connections go on (KVS:
    /// media flows peer to peer and survives a signaling reconnect); else they are closed, as robot-server offers
    /// every viewer anew on the next connection.
    case disconnected(generation: Int, keepViewers: Bool = false)

    /// webrtcbin of `branch` has caps on its sink and wants an offer.
    case negotiationNeeded(branch: Int)
    /// The offer webrtcbin made.
    case offerCreated(branch: Int, sdp: String)
    /// One of an answering branch's streams reached webrtcbin with the viewer's payload type (its first caps).
    case streamReady(branch: Int)
    /// The answer webrtcbin made to the viewer's offer.
    case answerCreated(branch: Int, sdp: String)
    /// A local ICE candidate to send to the viewer.
    case localCandidate(branch: Int, sdpMLineIndex: UInt32, candidate: String)
    /// webrtcbin's `connection-state` changed.
    case connectionState(branch: Int, PeerConnectionState)
    /// The viewer's RTP session ended (RTCP BYE) or went silent (timeout): the viewer is gone.
    case remoteGone(branch: Int, reason: String)
    /// The viewer's RTCP said how the streams arrive (loss per stream, REMB, round trip): input of the bit rate.
    case receiverReport(branch: Int, ReceiverReport)
    /// A branch cannot go on (a failed promise, an error from one of its elements).
    case branchFailed(branch: Int, reason: String)
    /// One of the branch's tee pads (video, audio) is unlinked: once all are, the branch can be shut down and
    /// removed.
    case branchUnlinked(branch: Int)
    /// The viewer's microphone arrived (webrtcbin's `pad-added`) and was linked to the branch's speaker path, or
    /// could not be (`problem`).
    case viewerAudio(branch: Int, problem: String?)

    /// An element of the shared part of the pipeline failed (source, encoder): fatal.
    case pipelineFailed(String)
    /// The source ended (a camera unplugged): fatal.
    case endOfStream
    /// SIGTERM/SIGINT: stop.
    case shutdown
}

/// webrtcbin's `GstWebRTCPeerConnectionState`.
enum PeerConnectionState: Int32, Sendable, CustomStringConvertible {
    case new = 0, connecting, connected, disconnected, failed, closed

    var description: String {
        switch self {
        case .new: "new"
        case .connecting: "connecting"
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .failed: "failed"
        case .closed: "closed"
        }
    }
}
