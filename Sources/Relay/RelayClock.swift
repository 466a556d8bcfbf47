import Glibc

enum RelayClock {
    /// Wall-clock milliseconds since the Unix epoch: receive times and `${timestamp}`.
    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
