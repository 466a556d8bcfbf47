/// A named action: the original protocol's motions (`{"action": "forward"}`), `stop`, and the emergency-stop latch
/// (`estop` engages it, `release` lets go of it; docs/SAFETY.md).
public enum DriveAction: String, Sendable, CaseIterable {
    case forward
    case backwards
    case left
    case right
    case stop
    /// Stop at once and latch: every motion is refused until `release`, across restarts of robotd.
    case estop
    /// Let go of the emergency-stop latch. Moves nothing by itself.
    case release

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
    /// place, right (+s, −s), stop, estop and release (0, 0).
    public func throttles(speed: Double) -> (left: Double, right: Double) {
        switch self {
        case .forward: (speed, speed)
        case .backwards: (-speed, -speed)
        case .left: (-speed, speed)
        case .right: (speed, -speed)
        case .stop, .estop, .release: (0, 0)
        }
    }
}
