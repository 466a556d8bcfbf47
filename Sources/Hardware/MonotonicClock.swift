import Glibc

/// `CLOCK_MONOTONIC` in nanoseconds, and sleeping against it without drift: the time base of the software PWM
/// (whose condition variable waits on the same clock) and of the PCA9685's oscillator start-up wait.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary point (boot), never going backwards.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Blocks the calling thread until ``now()`` reaches `deadline`; a signal does not cut the sleep short.
    public static func sleep(untilNanoseconds deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }

    /// Blocks the calling thread for at least `duration`.
    public static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
        sleep(untilNanoseconds: now() &+ nanoseconds)
    }
}
