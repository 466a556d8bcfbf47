/// A named motion of the original protocol: `{"action": "forward"}`.
public enum DriveAction: String, Sendable, CaseIterable {
    case forward
    case backwards
    case left
    case right
    case stop

    /// The action a wire name stands for: a case name or the alias `backward`. Names are case-sensitive,
    /// as in the original robot.
    public init?(wireName: String) {
        if wireName == "backward" {
            self = .backwards
        } else {
            self.init(rawValue: wireName)
        }
    }

    /// `(left, right)` throttles at `speed`: forward (+s, +s), backwards (−s, −s), left (−s, +s) turning in
    /// place, right (+s, −s), stop (0, 0).
    public func throttles(speed: Double) -> (left: Double, right: Double) {
        switch self {
        case .forward: (speed, speed)
        case .backwards: (-speed, -speed)
        case .left: (-speed, speed)
        case .right: (speed, -speed)
        case .stop: (0, 0)
        }
    }
}
