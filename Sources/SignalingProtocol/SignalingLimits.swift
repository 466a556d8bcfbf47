/// The contract's limits, which both ends apply (`docs/SIGNALING.md`).
///
/// Protocol, not policy: a frame larger than ``maxFrameBytes`` or an index above ``maxSDPMLineIndex`` is refused
/// whatever a server's configuration says. How many frames a socket may send (`video.signalingBurst`,
/// `video.signalingFramesPerSecond`) and how many viewers a robot takes are robot-server's policy: they live in its
/// configuration, and a peer learns them only from a close (``SignalingCloseCode``).
public enum SignalingLimits {
    /// The largest text frame (and WebSocket message) either end takes: the server closes a socket that sends a
    /// larger one, and the producer's client refuses one. An SDP offer is a few KiB.
    public static let maxFrameBytes = 64 * 1024

    /// The largest `sdpMLineIndex` (media sections in one session description); what webrtcbin takes.
    public static let maxSDPMLineIndex = Int(UInt16.max)
}

/// Why robot-server closed a signaling socket, as the close frame's code: from the range for applications
/// (4000–4999), or 1008 (policy violation) for a flood. The close frame's reason text says more (at most 123 bytes).
public enum SignalingCloseCode: UInt16, Sendable {
    /// A newer producer for the same robot connected.
    case replaced = 4000
    /// The robot already has `video.maxViewers` viewers (a join that raced the check before the upgrade).
    case tooManyViewers = 4001
    /// This token already holds `video.maxViewersPerPrincipal` of the robot's viewers (raced the same check).
    case tooManyViewersForPrincipal = 4002
    /// The robot's room moved to another robot-server instance (a newer producer connected there), or the instance
    /// serving it went away: reconnect at once, to any instance (`docs/SIGNALING.md`, across instances).
    case moved = 4003
    /// The socket sent frames faster than its rate limit, or faster than the producer reads them.
    case rateLimited = 1008
}
