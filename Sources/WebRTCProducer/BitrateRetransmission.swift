/// How far back one viewer's retransmissions (NACK → RTX, webrtcbin's `rtprtxsend`) may reach. Pure: feedback in,
/// a history length out (the caller sets `max-size-time` on the viewer's rtprtxsend).
///
/// Unbounded, RTX is what keeps a saturated link saturated: every packet the full queue drops is NACKed and sent
/// again, the copies are dropped too and NACKed again (left as webrtcbin makes it: measured 10 s at 0 fps after a
/// 4 → 1 Mbit/s drop). Bounded, the history is what can still arrive in time —
/// 2 × RTT + 200 ms (a NACK after a gap, the copy's way back, one more try), between ``minHistoryMs`` and
/// ``maxHistoryMs``: a packet is sent again at most about twice, and nothing is sent for a frame the viewer has
/// given up on.
///
/// Not suspended on loss or on a falling REMB (both tried in the lab): on a lossy link that is not full, the
/// reports show bursts over 10 % (a key frame larger than the link's queue) and Chromium's REMB keeps falling while
/// the picture waits for key frames, exactly when repairs are needed — 10 and 18 fps instead of 28.
public struct RetransmissionBudget: Sendable {
    /// The history, in ms.
    public private(set) var historyMs: Int
    private var roundTripMs: Int?

    static var minHistoryMs: Int { 500 }
    static var maxHistoryMs: Int { 1000 }

    public init() {
        historyMs = Self.minHistoryMs
    }

    /// One viewer report; the history afterwards.
    @discardableResult
    public mutating func feedback(_ feedback: ReceiverFeedback) -> Int {
        if let roundTrip = feedback.roundTripMs { roundTripMs = roundTrip }
        historyMs = min(max(2 * (roundTripMs ?? 0) + 200, Self.minHistoryMs), Self.maxHistoryMs)
        return historyMs
    }
}
