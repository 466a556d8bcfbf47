/// Which end of a single-master signaling channel a client is: the master (the robot's producer, which answers any
/// viewer) or a viewer (which talks to the master only).
public enum KVSRole: String, Sendable, Hashable {
    case master = "MASTER"
    case viewer = "VIEWER"
}
