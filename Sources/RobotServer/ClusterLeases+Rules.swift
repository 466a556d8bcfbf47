import Basics
import DriveProtocol

/// The decisions a non-owner makes on its own, pure (time passed in).
extension ClusterLeases {
    /// What a non-owner passes without asking the owner: a stop or an emergency stop (anyone who may drive), and the
    /// motion or release of the replica's live holder. Everything else — a free lease, another holder, every control
    /// action — is a call.
    static func passes(
        _ intent: DriveCommand.Intent, from driver: ControlLease.Driver, in replica: ControlLease,
        now: ContinuousClock.Instant
    ) -> Bool {
        switch intent {
        case .stop, .emergencyStop: true
        case .motion, .release: replica.holder(at: now)?.driver == driver
        }
    }

    /// How often a non-owner tells the owner that the holder drives through it.
    static let refreshPeriod: Duration = .seconds(1)

    /// Whether the holder's command passed at `now` should reach the owner as a refresh (the last went at `last`).
    static func refreshIsDue(last: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Bool {
        last.map { now - $0 >= refreshPeriod } ?? true
    }

    /// How long the owner waits before it publishes a lease again only because its holder kept driving: a fifth of
    /// `control.idleSeconds` (at least a second), so a replica's idle time is at most that far behind.
    static func republishPeriod(idleSeconds: Int) -> Duration {
        .seconds(max(1, idleSeconds / 5))
    }

    /// What viewers see of a lease (the holder, since when, the request): a replica announces a publication only
    /// when this changes, not for a refreshed idle time.
    struct Shown: Equatable {
        var holder: ControlLease.Driver?
        var since: Timestamp?
        var request: ControlLease.Request?
    }

    static func shows(_ lease: ControlLease) -> Shown {
        Shown(holder: lease.holder?.driver, since: lease.holder?.since, request: lease.request)
    }
}
