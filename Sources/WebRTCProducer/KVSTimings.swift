public import Basics

/// The KVS transport's timing rules, as values (pure; `KVSProducerTimingTests`).
///
/// KVS's limits (the KVS developer guide's signaling quotas): a master's WebSocket lasts at most one hour and
/// idles out after ten minutes without traffic; the TURN servers' credentials have a `Ttl` (300 s by default).
public enum KVSTimings {
    /// A WebSocket ping this often keeps an idle connection (no viewer for hours) inside KVS's 10-minute idle limit.
    public static let pingPeriod: Duration = .seconds(30)
    /// A connection this old is replaced (the new one first: the newest master wins) before KVS's one-hour limit.
    public static let maxConnectionAge: Duration = .seconds(50 * 60)
    /// Between failed attempts: 1 s doubling to 30 s, each shortened by up to half at random.
    public static let backoff = CappedBackoff(initial: .seconds(1), maximum: .seconds(30), jitter: 0.5)
    /// A connection that lived this long was healthy: the next failure starts the back-off again.
    public static let healthyAfter: Duration = .seconds(10)
    /// While the last failure was a refused signature (expired or invalid credentials), the credentials are read
    /// again this often during the back-off, and a changed key is tried at once.
    public static let credentialPoll: Duration = .seconds(1)
    /// A refreshed TURN configuration is fetched after this fraction of the smallest `Ttl`.
    public static let iceRefreshFraction = 0.8
    /// When KVS gives no TURN server (or no `Ttl`), the configuration is still fetched again after this long.
    public static let defaultICETtlSeconds = 300

    /// When to fetch the ICE configuration again: 80 % of the smallest `Ttl` (seconds), at least one second.
    public static func iceRefreshDelay(ttlSeconds: [Int]) -> Duration {
        let smallest = ttlSeconds.filter { $0 > 0 }.min() ?? defaultICETtlSeconds
        return max(.milliseconds(Int(Double(smallest) * 1000 * iceRefreshFraction)), .seconds(1))
    }

    /// The back-off's attempt number after a failure: a connection that was open for ``healthyAfter`` starts the
    /// count again, anything shorter (refused, dropped at once) adds one.
    public static func attempt(after previous: Int, openFor: Duration?) -> Int {
        if let openFor, openFor >= healthyAfter { return 0 }
        return previous + 1
    }
}
