/// What a command that leaves out `speed` or `durationMs` gets; comes from the `motors` configuration.
public struct DriveDefaults: Sendable, Equatable {
    /// Speed for actions without `speed`, 0…1. The original used 0.5 (Explorer HAT) or 0.7 (Adafruit HAT).
    public var speed: Double = 0.5
    /// How long a command without `durationMs` holds, in milliseconds; the original's 0.2 s pulse.
    public var durationMs: Int = 200

    public init(speed: Double = 0.5, durationMs: Int = 200) {
        self.speed = speed
        self.durationMs = durationMs
    }
}
