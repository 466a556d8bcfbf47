/// A token bucket: holds up to `burst` tokens, refills at `perSecond`, and each event takes one. Events over it
/// are refused. Time is passed in, so tests need no clock.
///
/// Signaling gives one to every socket (``SignalingHub``): a viewer's ICE burst (a few dozen candidates and an
/// answer at once) fits in the burst; a flood runs dry and is cut (`docs/LIMITS.md`).
struct TokenBucket: Sendable, Equatable {
    let burst: Int
    let perSecond: Int
    /// Tokens now, as of `updated`, in billionths of a token: whole nanoseconds refill whole units, exactly.
    private(set) var units: Int64
    private(set) var updated: ContinuousClock.Instant

    private static let unit: Int64 = 1_000_000_000

    /// A full bucket.
    init(burst: Int, perSecond: Int, now: ContinuousClock.Instant) {
        self.burst = burst
        self.perSecond = perSecond
        units = Int64(burst) * Self.unit
        updated = now
    }

    /// Tokens now, as of the last event.
    var tokens: Double { Double(units) / Double(Self.unit) }

    /// Takes a token if there is one: true if the event may pass.
    mutating func take(now: ContinuousClock.Instant) -> Bool {
        let full = Int64(burst) * Self.unit
        if now > updated {
            let elapsed = now - updated
            if elapsed >= .seconds(burst / max(perSecond, 1) + 1) {
                units = full  // enough to refill from empty (and no product below can overflow)
            } else {
                let nanoseconds = elapsed.components.seconds * Self.unit + elapsed.components.attoseconds / Self.unit
                units = min(full, units + nanoseconds * Int64(perSecond))
            }
            updated = now
        }
        guard units >= Self.unit else { return false }
        units -= Self.unit
        return true
    }
}
