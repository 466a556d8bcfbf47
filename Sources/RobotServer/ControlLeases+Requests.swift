import Basics
import DriveProtocol
import SignalingProtocol
import StrictJSON

/// What the REST API asks of a robot's lease, and its refusals as answers (409, `docs/SERVER.md`).
extension ControlLeases.Robot {
    /// What `POST /robots/{thing}/control` asks (`{"action": …}`).
    enum Action: String, Sendable, CaseIterable {
        case request, handover, decline, release, takeover

        /// The lease's event.
        var event: ControlLease.Event {
            switch self {
            case .request: .request
            case .handover: .handover
            case .decline: .decline
            case .release: .release
            case .takeover: .takeover
            }
        }
    }

    /// A drive command from `principal`: passes (taking or refreshing the lease, or a stop), or 409 naming the holder;
    /// in a cluster, 503 when the lease's owner does not answer.
    func command(_ intent: DriveCommand.Intent, from principal: Principal, now: ContinuousClock.Instant = .now)
        async throws(APIError)
    {
        _ = try await handle(.command(intent), from: ControlLease.Driver(principal), now: now)
    }

    /// `action` from `principal` (the shell has checked that it may drive, and for a takeover that it is an admin):
    /// the lease after it and what changed, or the refusal as a 409; in a cluster, 503 when the lease's owner does
    /// not answer.
    func perform(
        _ action: Action, by principal: Principal, now: ContinuousClock.Instant = .now
    ) async throws(APIError) -> (lease: ControlLease, change: ControlLease.Change?) {
        try await handle(action.event, from: ControlLease.Driver(principal), now: now)
    }

    /// `event` from `driver`: decided here when this robot-server is alone or owns the lease (and can tell the others:
    /// an owner cut off from the broker decides nothing); elsewhere passed at once when the replica can tell (a stop;
    /// the holder's own motion), else asked of the owner.
    func handle(
        _ event: ControlLease.Event, from driver: ControlLease.Driver, now: ContinuousClock.Instant
    ) async throws(APIError) -> (lease: ControlLease, change: ControlLease.Change?) {
        guard let cluster, !(cluster.isOwner && cluster.link.isConnected) else {
            do {
                let (lease, _, change) = try decide(event, from: driver, now: now, at: .now())
                return (lease, change)
            } catch {
                throw answer(to: error)
            }
        }
        if let lease = pass(event, from: driver, now: now) {
            return (lease, nil)
        }
        switch try await cluster.call(event, thing: thing, driver: driver) {
        case .decided(let record, let change):
            return (apply(record), change)
        case .refused(let refusal):
            throw answer(to: refusal)
        }
    }

    /// Decides `event` from `driver` (alone, or as the owner): the lease after it, its stamp, and what changed.
    func decide(
        _ event: ControlLease.Event, from driver: ControlLease.Driver, now: ContinuousClock.Instant, at time: Timestamp
    ) throws(ControlLease.Refusal) -> (lease: ControlLease, stamp: ClusterLeases.Stamp, change: ControlLease.Change?) {
        var change: ControlLease.Change?
        let (lease, stamp) = try updateStamped(now: now) { (lease) throws(ControlLease.Refusal) in
            change = try lease.apply(event, from: driver, now: now, at: time)
            return change
        }
        return (lease, stamp, change)
    }

    /// A refusal as the REST API's 409; a refusal because of someone else's lease names it in `holder` after
    /// `detail` (null when nobody holds it).
    func answer(to refusal: ControlLease.Refusal) -> APIError {
        switch refusal {
        case .heldByAnother(let holder):
            return APIError(
                .conflict, "control held",
                "\(Self.driving(holder.status, thing)); ask for control (POST /robots/\(thing)/control "
                    + #"{"action":"request"}) or wait until the lease is idle for \#(idleSeconds) s"#,
                extra: [("holder", holder.status.json)])
        case .notTheHolder(let holder):
            return APIError(
                .conflict, "not the holder",
                "only the principal driving \(thing) may hand over, decline or release control; "
                    + (holder.map { Self.driving($0.status, thing) } ?? "nobody is driving \(thing)"),
                extra: [("holder", holder?.status.json ?? .null)])
        case .nobodyAsked:
            return APIError(
                .conflict, "nobody asked for control",
                "nobody asked for control of \(thing): there is nobody to hand it over to")
        }
    }

    /// `alice is driving sts-pi since 2026-12-04T22:40:00Z`
    private static func driving(_ holder: ControlStatus.Holder, _ thing: String) -> String {
        "\(holder.name) is driving \(thing) since \(holder.since)"
    }
}
