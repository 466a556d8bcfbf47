/// Which end of a robot's video a signaling socket is: the robot's producer (at most one per robot) or one of its
/// viewers. Chosen with `?role=producer|viewer` when the socket opens; it decides which frames the socket may send
/// and which it is sent.
public enum PeerRole: String, Sendable, CaseIterable {
    case producer
    case viewer
}
