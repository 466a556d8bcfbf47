/// The left and right motor throttles, each in −1…1, before any motor swap or inversion.
public struct Throttles: Sendable, Equatable, CustomStringConvertible {
    public static let zero = Throttles(left: 0, right: 0)

    public var left: Double
    public var right: Double

    public init(left: Double, right: Double) {
        self.left = left
        self.right = right
    }

    public init(_ pair: (left: Double, right: Double)) {
        self.init(left: pair.left, right: pair.right)
    }

    public var isZero: Bool { left == 0 && right == 0 }

    public var description: String { "(\(left), \(right))" }

    func scaled(by factor: Double) -> Throttles {
        Throttles(left: left * factor, right: right * factor)
    }

    /// A step from `self` towards `target` of at most `step` on either wheel, both wheels scaled together so that
    /// they arrive at the same time; `target` itself once it is within `step` (give or take the rounding of the
    /// steps added so far, so that a ramp never ends in a step of 1e-16).
    func moved(towards target: Throttles, by step: Double) -> Throttles {
        let delta = Throttles(left: target.left - left, right: target.right - right)
        let largest = max(abs(delta.left), abs(delta.right))
        guard largest > step + 1e-9 else { return target }
        let fraction = delta.scaled(by: step / largest)
        return Throttles(left: left + fraction.left, right: right + fraction.right)
    }
}
