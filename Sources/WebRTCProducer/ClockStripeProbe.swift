import CGStreamer

/// Paints the wall-clock time into every frame leaving the clock source (``VideoSource/clock``), see
/// ``ClockStripe``.
enum ClockStripeProbe {
    /// Adds the painting probe to `source`'s src pad.
    static func install(on source: UnsafeMutablePointer<GstElement>) {
        // Written next: the probe itself.
    }
}
