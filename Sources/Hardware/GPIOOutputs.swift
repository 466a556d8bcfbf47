/// A fixed set of GPIO lines driven as outputs, set together in one call: the seam between GPIO-driven motor
/// drivers and Linux, so that a line model with timestamps can stand in for the hardware in tests.
///
/// `Sendable` because a software-PWM thread drives the lines while other threads change the duty cycles.
/// Implementations throw ``HardwareError``.
public protocol GPIOOutputs: AnyObject, Sendable {
    /// How many lines were requested; bit `i` of a value mask is the `i`-th of them.
    var lineCount: Int { get }

    /// Sets the lines selected by `mask` to the matching bits of `bits` (1 = high); the others keep their value.
    func setValues(_ bits: UInt64, mask: UInt64) throws
}

extension GPIOOutputs {
    /// A mask that selects every line.
    public var allLinesMask: UInt64 {
        lineCount >= 64 ? .max : (UInt64(1) << UInt64(lineCount)) - 1
    }
}
