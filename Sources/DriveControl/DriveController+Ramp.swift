extension DriveController {
    /// The ramp's step is due at `now` (possibly late): the applied throttles move towards the target by at most
    /// the rate × the time since the last step (capped at two ticks, so a late wake never jumps), both wheels
    /// together. The rate is ``DriveLimits/maxAcceleration`` towards a motion and ``DriveLimits/stopRate`` after
    /// a stop or a deadline. Once the target is reached, ``nextTick`` is nil.
    public mutating func tick(now: Instant) -> Action {
        guard let last = lastTick, let rate = isMoving ? limits.maxAcceleration : limits.stopRate else {
            return .none
        }
        let elapsed = min(max(last.duration(to: now), .zero), Self.rampTick * 2)
        applied = applied.moved(towards: target, by: rate * elapsed.seconds)
        if applied == target {
            halt(keepingApplied: true)
        } else {
            lastTick = now
            nextTick = now.advanced(by: Self.rampTick)
        }
        return .apply(left: applied.left, right: applied.right)
    }

    /// Starts ticking from `now` unless a ramp is already under way (its steps go on towards the new target).
    mutating func startRamp(now: Instant) {
        guard lastTick == nil else { return }
        lastTick = now
        nextTick = now.advanced(by: Self.rampTick)
    }

    /// No ramp any more; the motors are at 0 unless `keepingApplied`.
    mutating func halt(keepingApplied: Bool = false) {
        lastTick = nil
        nextTick = nil
        if !keepingApplied { applied = .zero }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
