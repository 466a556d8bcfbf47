import SignalingProtocol

/// A KVS viewer's ICE candidates that arrive before its offer, held until the offer comes.
///
/// KVS relays each message on its own, and a viewer trickles candidates as soon as it has set its local
/// description, so a candidate can overtake the `SDP_OFFER` it belongs to (or come while the producer
/// reconnects and the offer is lost). webrtcbin can only take remote candidates after the remote description, so
/// they wait here; the offer releases them after itself. Bounded: at most ``maxViewers`` viewers waiting (the
/// longest-waiting is dropped) and ``maxCandidatesPerViewer`` each, and ``maxOffered`` viewers remembered as
/// having offered. Pure: no clock, no I/O.
struct KVSCandidateHold: Sendable {
    static let maxViewers = 32
    static let maxCandidatesPerViewer = 64
    static let maxOffered = 256

    private var held: [String: [SignalingMessage]] = [:]
    /// Viewers waiting, oldest first.
    private var waiting: [String] = []
    /// Viewers whose offer came, oldest first: their candidates pass straight through.
    private var offered: [String] = []

    /// What to hand the producer for a viewer's candidate: the candidate itself once its offer came, else nothing
    /// (it is held).
    mutating func candidate(viewer: String, candidate: String, sdpMLineIndex: UInt32) -> [SignalingMessage] {
        let message = SignalingMessage.candidate(viewer: viewer, candidate: candidate, sdpMLineIndex: sdpMLineIndex)
        if offered.contains(viewer) { return [message] }
        if held[viewer] == nil {
            if waiting.count >= Self.maxViewers {
                held.removeValue(forKey: waiting.removeFirst())
            }
            waiting.append(viewer)
        }
        if held[viewer, default: []].count < Self.maxCandidatesPerViewer {
            held[viewer, default: []].append(message)
        }
        return []
    }

    /// What to hand the producer for a viewer's offer: the offer, then the candidates held for it. A second offer
    /// from the same viewer (a new peer connection) passes on its own: its candidates follow it.
    mutating func offer(viewer: String, sdp: String) -> [SignalingMessage] {
        let released = held.removeValue(forKey: viewer) ?? []
        waiting.removeAll { $0 == viewer }
        offered.removeAll { $0 == viewer }
        offered.append(viewer)
        if offered.count > Self.maxOffered {
            offered.removeFirst()
        }
        return [.offer(viewer: viewer, sdp: sdp)] + released
    }

    /// How many candidates wait, over all viewers.
    var heldCount: Int { held.values.reduce(0) { $0 + $1.count } }
}
