/// How a robot's motors are wired to its sides: motor 1 drives the left wheel and motor 2 the right one, unless
/// `swap` exchanges them; `invertLeft`/`invertRight` reverse a side whose motor leads are the other way round
/// (the original Adafruit build needed both inverted to drive forward).
public struct Wiring: Sendable, Equatable, Hashable {
    /// Motor 1 drives the right wheel and motor 2 the left one.
    public var swap: Bool
    /// Negate the left side's throttle.
    public var invertLeft: Bool
    /// Negate the right side's throttle.
    public var invertRight: Bool

    /// A wiring; the default is motor 1 = left, motor 2 = right, no inversion.
    public init(swap: Bool = false, invertLeft: Bool = false, invertRight: Bool = false) {
        self.swap = swap
        self.invertLeft = invertLeft
        self.invertRight = invertRight
    }

    /// The motor throttles that move the left and right sides by `left` and `right`.
    public func motorThrottles(left: Double, right: Double) -> (motor1: Double, motor2: Double) {
        let left = invertLeft ? -left : left
        let right = invertRight ? -right : right
        return swap ? (right, left) : (left, right)
    }
}
