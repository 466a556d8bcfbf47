/// A valid drive command: what to do with the motors and for how long.
///
/// Commands from the wire come from ``DriveCommandParser``, which enforces the ranges documented on each
/// property; this type itself does not re-check them.
public struct DriveCommand: Sendable, Equatable {
    /// How the two motors should turn.
    public enum Motion: Sendable, Equatable {
        /// A named action at a speed in 0…1.
        case action(DriveAction, speed: Double)
        /// Direct throttles for the left and right motor, each in −1…1.
        case differential(left: Double, right: Double)
    }

    /// The range `durationMs` must be in.
    public static let durationRange = 1...5000
    /// The most Unicode scalars (characters) an `id` may have.
    public static let maxIDLength = 64

    /// What the motors should do.
    public var motion: Motion
    /// How long this command holds before the robot stops by itself, in milliseconds (1…5000).
    public var durationMs: Int
    /// The client's label, echoed in telemetry (at most 64 characters).
    public var id: String?

    public init(motion: Motion, durationMs: Int, id: String? = nil) {
        self.motion = motion
        self.durationMs = durationMs
        self.id = id
    }

    /// `(left, right)` throttles in −1…1, before any motor swap or inversion: forward (+s, +s),
    /// backwards (−s, −s), left (−s, +s), right (+s, −s), stop (0, 0); a differential motion as given.
    public var throttles: (left: Double, right: Double) {
        switch motion {
        case .action(let action, let speed): action.throttles(speed: speed)
        case .differential(let left, let right): (left, right)
        }
    }

    /// What a command asks for, as the safety rules see it (docs/SAFETY.md).
    public enum Intent: Sendable, Equatable {
        /// Move the motors: a named motion at a speed above 0, or a differential with a throttle other than 0.
        case motion
        /// Leave both motors still: `stop`, a differential (0, 0), or a motion at speed 0.
        case stop
        /// `estop`: stop at once and latch.
        case emergencyStop
        /// `release`: let go of the emergency-stop latch; moves nothing by itself.
        case release
    }

    /// What this command asks for. robotd accepts stops and emergency stops whatever its state; robot-server accepts
    /// them from anyone who may drive, while a motion or a release needs the robot's control lease.
    public var intent: Intent {
        if case .action(.estop, _) = motion { return .emergencyStop }
        if case .action(.release, _) = motion { return .release }
        let (left, right) = throttles
        return left == 0 && right == 0 ? .stop : .motion
    }

    /// Whether this command stops the motors: a stop (``Intent/stop``) or an emergency stop. A `release` is not one.
    public var isStop: Bool {
        intent == .stop || intent == .emergencyStop
    }
}
