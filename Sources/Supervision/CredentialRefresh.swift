public import Basics

/// When to fetch AWS credentials: a pure state machine, events in, one action out, time passed in.
///
/// - Refresh at the earlier of `refreshFraction` (80 %) of the lifetime and `refreshMargin` (5 minutes) before
///   expiry — but never sooner than `minimumFraction` (half) of the lifetime, so that a provider handing out
///   very short-lived credentials cannot make us fetch in a loop. (AWS lifetimes are 900–43 200 s: there the floor
///   never applies; 3600 s refreshes after 48 minutes, 900 s after 10.)
/// - A failed fetch is retried with capped exponential back-off. While the current credentials are still valid
///   the wait is also capped to half their remaining life, so several attempts fit before they expire. A failure
///   that needs a person (a refused certificate, a missing policy) waits the maximum straight away.
public struct CredentialRefresh<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public struct Policy: Sendable, Equatable {
        public var refreshFraction: Double
        public var refreshMargin: Duration
        public var minimumFraction: Double
        public var retry: CappedBackoff

        public init(
            refreshFraction: Double = 0.8, refreshMargin: Duration = .seconds(300), minimumFraction: Double = 0.5,
            retry: CappedBackoff = CappedBackoff(initial: .seconds(1), maximum: .seconds(300))
        ) {
            self.refreshFraction = refreshFraction
            self.refreshMargin = refreshMargin
            self.minimumFraction = minimumFraction
            self.retry = retry
        }
    }

    public enum State: Sendable, Equatable {
        case idle
        /// A request is in flight; `failures` count the failed attempts since the last success.
        case fetching(failures: Int)
        /// Sleeping until `until`, then fetch.
        case waiting(until: Instant, failures: Int)
        case stopped
    }

    public enum Action: Sendable, Equatable {
        /// Send a request now.
        case fetch
        /// New credentials arrived: use them; fetch again at `refreshAt` (wake ``timerFired(now:)`` then).
        case use(refreshAt: Instant)
        /// The request failed: try again at `at` (wake ``timerFired(now:)`` then).
        case retry(at: Instant, delay: Duration)
        /// A timer fired early: sleep again until `at`.
        case wait(until: Instant)
        case none
    }

    public let policy: Policy
    public private(set) var state: State = .idle
    /// Until when the credentials last fetched are valid; nil before the first.
    public private(set) var expiry: Instant?

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Whether there are credentials that have not expired at `now`.
    public func hasValidCredentials(at now: Instant) -> Bool {
        expiry.map { now < $0 } ?? false
    }

    public mutating func start() -> Action {
        guard case .idle = state else { return .none }
        state = .fetching(failures: 0)
        return .fetch
    }

    /// A request returned credentials valid for `validFor` from `now`.
    public mutating func fetched(validFor: Duration, now: Instant) -> Action {
        guard case .fetching = state else { return .none }
        expiry = now.advanced(by: validFor)
        let refreshAt = now.advanced(by: Self.refreshDelay(validFor: validFor, policy: policy))
        state = .waiting(until: refreshAt, failures: 0)
        return .use(refreshAt: refreshAt)
    }

    /// A request failed at `now`; `transient` errors (timeouts, 5xx) back off from the start, others wait longest.
    public mutating func failed(transient: Bool, now: Instant) -> Action {
        guard case .fetching(let failures) = state else { return .none }
        var delay = transient ? policy.retry.delay(attempt: failures) : policy.retry.maximum
        if let expiry, now < expiry {
            delay = max(min(delay, now.duration(to: expiry) / 2), policy.retry.initial)
        }
        let at = now.advanced(by: delay)
        state = .waiting(until: at, failures: failures + 1)
        return .retry(at: at, delay: delay)
    }

    /// A timer fired at `now` (possibly late, possibly a stale one).
    public mutating func timerFired(now: Instant) -> Action {
        guard case .waiting(let until, let failures) = state else { return .none }
        guard now >= until else { return .wait(until: until) }
        state = .fetching(failures: failures)
        return .fetch
    }

    public mutating func stop() {
        state = .stopped
    }

    /// How long after a fetch to refresh credentials valid for `validFor`.
    public static func refreshDelay(validFor: Duration, policy: Policy) -> Duration {
        let byFraction = validFor * policy.refreshFraction
        let byMargin = validFor - policy.refreshMargin
        let floor = validFor * policy.minimumFraction
        return max(min(byFraction, byMargin), floor)
    }
}
