import Basics
import SignalingProtocol

/// A new peer connection for a viewer whose connection failed or stays disconnected — a network change, a NAT that
/// forgot its mapping — without reloading the page (`docs/SIGNALING.md`, `docs/PAGE.md`).
///
/// The viewer sends `{"type":"restart"}`; the server tells the producer `viewer-joined` for that viewer again, and
/// the producer drops the viewer's old peer connection and offers a new one (webrtcbin 1.22 cannot do an ICE restart
/// on a live connection, so a new one is what works; a producer that predates `restart` does the same). Each restart
/// costs the producer a branch of its pipeline, so a viewer gets at most one per ``restartInterval``; the page backs
/// off far beyond that while its connections keep failing.
extension SignalingState {
    /// The shortest time between two restarts of one viewer's peer connection.
    static let restartInterval: Duration = .seconds(1)

    /// `restart` from `viewer`: passed on to the producer as `viewer-joined` — with fresh TURN credentials, minted at
    /// `time`, as when the viewer joined — or refused with the reason.
    mutating func restart(from viewer: String, now: ContinuousClock.Instant, at time: Timestamp = .now()) -> [Action] {
        guard let producer else {
            return [
                .send(
                    viewer,
                    Self.error("restart: the robot's video producer is not connected; an offer comes when it is"))
            ]
        }
        if let last = restartedAt[viewer], now - last < Self.restartInterval {
            return [.send(viewer, Self.error("restart: at most one restart a second; the last one is under way"))]
        }
        restartedAt[viewer] = now
        return [.send(producer, viewerJoined(viewer, producer: producer, at: time))]
    }
}
