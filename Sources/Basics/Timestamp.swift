#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A wall-clock instant in UTC, as nanoseconds since 1970-01-01T00:00:00Z.
///
/// Telemetry carries it as ISO-8601 with microseconds (``iso8601``), so ``now()`` is truncated to whole
/// microseconds: a timestamp then survives a trip through JSON unchanged. The range is that of `Int64`
/// nanoseconds, years 1677 to 2262.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z; negative before it.
    public var nanosecondsSinceEpoch: Int64

    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// The instant `seconds` plus `nanoseconds` after the epoch; nil if it is out of range.
    public init?(secondsSinceEpoch seconds: Int64, nanoseconds: Int64 = 0) {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = scaled.addingReportingOverflow(nanoseconds)
        guard !overflow, !carry else { return nil }
        nanosecondsSinceEpoch = total
    }

    /// The current wall-clock time (`CLOCK_REALTIME`), truncated to microseconds.
    public static func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let microseconds = Int64(time.tv_nsec) / 1_000
        return Timestamp(nanosecondsSinceEpoch: Int64(time.tv_sec) * 1_000_000_000 + microseconds * 1_000)
    }

    /// Whole seconds since the epoch, rounded down (also before 1970).
    public var secondsSinceEpoch: Int64 {
        nanosecondsSinceEpoch.floorDivided(by: 1_000_000_000)
    }

    /// Whole microseconds since the epoch, rounded down: the resolution of ``iso8601``.
    public var microsecondsSinceEpoch: Int64 {
        nanosecondsSinceEpoch.floorDivided(by: 1_000)
    }

    /// Nanoseconds past ``secondsSinceEpoch``, 0…999 999 999.
    public var nanosecondsOfSecond: Int64 {
        let remainder = nanosecondsSinceEpoch % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// ``iso8601``.
    public var description: String {
        iso8601
    }
}

extension Int64 {
    /// `self / divisor` rounded toward minus infinity (for a positive divisor).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
