import KinesisVideo
import SignalingProtocol

/// The producer's messages in KVS's words and back, on KinesisVideo's ``KVSMessage`` codec.
enum KVSWire {
    /// The largest frame read: a 10 KB payload with its envelope fits many times.
    static let maxFrameBytes = 64 * 1024

    /// A message the producer cannot send on KVS.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The text frame for `message`: `SDP_ANSWER` or `ICE_CANDIDATE` to the viewer.
    static func encode(_ message: ProducerMessage) throws(Refusal) -> String {
        let outbound: KVSMessage.Outbound
        switch message {
        case .answer(let viewer, let sdp):
            outbound = .answer(to: viewer, sdp: sdp)
        case .candidate(let viewer, let candidate, let index):
            // No sdpMid: webrtcbin knows the m-line's index, and the browser finds the transceiver by it.
            outbound = .candidate(
                to: viewer, KVSCandidate(candidate: candidate, sdpMid: nil, sdpMLineIndex: Int(index)))
        case .offer(let viewer, _):
            throw Refusal(description: "an offer to \(viewer): on KVS the viewers offer and the master answers")
        }
        do {
            return try outbound.encoded()
        } catch {
            throw Refusal(description: error.description)
        }
    }

    /// What a frame from KVS means to the master; nil for what a master ignores (an answer).
    static func decode(_ text: String) throws(KVSMessageError) -> KVSInbound? {
        switch try KVSMessage.decode(text) {
        case .offer(let viewer, let sdp): .offer(viewer: viewer, sdp: sdp)
        case .candidate(let viewer, let candidate):
            .candidate(
                viewer: viewer, candidate: candidate.candidate,
                sdpMLineIndex: UInt32(clamping: candidate.sdpMLineIndex ?? 0))
        case .goAway: .goAway
        case .reconnectICEServer: .reconnectICEServer
        case .status(let status): .status(status.description)
        case .answer: nil
        }
    }
}
