public import Basics

/// The video producer's life: a pure state machine, events in, one action out, time passed in.
///
/// - It starts once credentials are there, with the newest ones (``credentialsAvailable(generation:)``).
/// - Newer credentials reach it as the policy's ``Handover`` says: a producer that reads them at start (the KVS C
///   SDK sample, from its environment) is restarted with them — stop, then start (AWS would refuse the old ones
///   once they expire); a producer that re-reads a file (robot-webrtc) keeps running, and the file is rewritten.
/// - An exit or crash restarts it after a capped exponential back-off; a run that lasted `stableAfter` counts as
///   healthy and resets the back-off.
/// - Shutdown stops it, and nothing restarts it after that.
public struct ProducerSupervisor<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// How fresh credentials reach a running producer.
    public enum Handover: Sendable, Equatable {
        /// It reads them once, at start (its environment): newer ones restart it.
        case restart
        /// It reads them from a file whenever it signs a request: newer ones are written there, and it keeps
        /// running (its viewers stay connected).
        case file
    }

    public struct Policy: Sendable, Equatable {
        public var restart: CappedBackoff
        public var stableAfter: Duration
        public var handover: Handover

        public init(
            restart: CappedBackoff = CappedBackoff(initial: .seconds(1), maximum: .seconds(60)),
            stableAfter: Duration = .seconds(60), handover: Handover = .restart
        ) {
            self.restart = restart
            self.stableAfter = stableAfter
            self.handover = handover
        }
    }

    public enum State: Sendable, Equatable {
        /// No credentials yet.
        case idle
        /// Being started with the credentials of `generation`.
        case starting(generation: Int)
        case running(generation: Int, since: Instant)
        /// Being stopped to restart with newer credentials.
        case rotating
        /// Waiting until `until` to start again.
        case backingOff(until: Instant)
        /// Being stopped for good.
        case stopping
        case stopped
    }

    /// Why the producer is asked to stop.
    public enum StopReason: String, Sendable, Equatable {
        case rotation = "credentials rotation"
        case shutdown
    }

    public enum Action: Sendable, Equatable {
        /// Start the producer with the credentials of `generation` (with ``Handover/file``: write them to the file
        /// first).
        case start(generation: Int)
        /// ``Handover/file``: write the credentials of `generation` to the file; the producer keeps running.
        case handOver(generation: Int)
        /// Stop the running producer (SIGTERM, then SIGKILL after the grace period).
        case stop(StopReason)
        /// It ended unexpectedly or could not start: start again at `at` (wake ``timerFired(now:)`` then).
        case restart(at: Instant, delay: Duration)
        /// A timer fired early: sleep again until `at`.
        case wait(until: Instant)
        case none
    }

    public let policy: Policy
    public private(set) var state: State = .idle
    /// The newest credentials' generation; nil while there are none that are valid.
    public private(set) var latestGeneration: Int?
    /// Unexpected ends in a row (since the last stable run).
    public private(set) var failures = 0

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Credentials of `generation` (increasing) are ready.
    public mutating func credentialsAvailable(generation: Int) -> Action {
        latestGeneration = generation
        switch (state, policy.handover) {
        case (.idle, _):
            state = .starting(generation: generation)
            return .start(generation: generation)
        case (.running(let current, _), .restart) where current < generation:
            state = .rotating
            return .stop(.rotation)
        case (.running(let current, let since), .file) where current < generation:
            state = .running(generation: generation, since: since)
            return .handOver(generation: generation)
        case (.starting(let current), .file) where current < generation:
            state = .starting(generation: generation)  // it reads the file once it runs
            return .handOver(generation: generation)
        default:
            return .none  // starting: checked in started(); backing off: the restart takes the newest
        }
    }

    /// The credentials expired and no newer ones came: do not start with them. A running producer is left alone
    /// (an established session may outlive them); the next start waits for new credentials.
    public mutating func credentialsExpired() {
        latestGeneration = nil
    }

    /// The producer was started at `now`.
    public mutating func started(now: Instant) -> Action {
        switch state {
        case .starting(let generation):
            state = .running(generation: generation, since: now)
            if let latest = latestGeneration, latest > generation {
                state = .rotating
                return .stop(.rotation)
            }
            return .none
        case .stopping:
            return .stop(.shutdown)
        default:
            return .none
        }
    }

    /// The producer could not be started (no such program, no credentials…).
    public mutating func startFailed(now: Instant) -> Action {
        switch state {
        case .starting:
            return backOff(now: now)
        case .stopping:
            state = .stopped
            return .none
        default:
            return .none
        }
    }

    /// The producer ended at `now`, whether asked to or not.
    public mutating func exited(now: Instant) -> Action {
        switch state {
        case .rotating:
            guard let latest = latestGeneration else {
                state = .idle
                return .none
            }
            state = .starting(generation: latest)
            return .start(generation: latest)
        case .stopping:
            state = .stopped
            return .none
        case .running(_, let since):
            if since.duration(to: now) >= policy.stableAfter { failures = 0 }
            return backOff(now: now)
        default:
            return .none
        }
    }

    /// A restart timer fired at `now` (possibly late, possibly a stale one).
    public mutating func timerFired(now: Instant) -> Action {
        guard case .backingOff(let until) = state else { return .none }
        guard now >= until else { return .wait(until: until) }
        guard let latest = latestGeneration else {
            state = .idle  // starts when credentials come
            return .none
        }
        state = .starting(generation: latest)
        return .start(generation: latest)
    }

    /// robotd is stopping: stop the producer; nothing starts it again.
    public mutating func shutDown() -> Action {
        switch state {
        case .running, .rotating:
            state = .stopping
            return .stop(.shutdown)
        case .starting:
            state = .stopping
            return .none  // started() or startFailed() finishes it
        case .stopping:
            return .none
        default:
            state = .stopped
            return .none
        }
    }

    /// Whether the producer is finished for good.
    public var isStopped: Bool { state == .stopped }

    private mutating func backOff(now: Instant) -> Action {
        let delay = policy.restart.delay(attempt: failures)
        failures += 1
        let at = now.advanced(by: delay)
        state = .backingOff(until: at)
        return .restart(at: at, delay: delay)
    }
}
