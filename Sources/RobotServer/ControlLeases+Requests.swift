import Basics
import DriveProtocol
import SignalingProtocol
import StrictJSON

/// What the REST API asks of a robot's lease, and its refusals as answers (409, `docs/SERVER.md`).
extension ControlLeases.Robot {
    /// What `POST /robots/{thing}/control` asks (`{"action": …}`).
    enum Action: String, Sendable, CaseIterable {
        case request, handover, decline, release, takeover
    }

    /// A drive command from `principal`: passes (taking or refreshing the lease, or a stop), or 409 naming the holder.
    func command(_ intent: DriveCommand.Intent, from principal: Principal, now: ContinuousClock.Instant = .now)
        throws(APIError)
    {
        let driver = ControlLease.Driver(principal)
        do {
            try update(now: now) { (lease) throws(ControlLease.Refusal) in
                try lease.command(intent, from: driver, now: now, at: .now())
            }
        } catch {
            throw answer(to: error)
        }
    }

    /// `action` from `principal` (the shell has checked that it may drive, and for a takeover that it is an admin):
    /// the lease after it and what changed, or the refusal as a 409.
    func perform(
        _ action: Action, by principal: Principal, now: ContinuousClock.Instant = .now
    ) throws(APIError) -> (lease: ControlLease, change: ControlLease.Change?) {
        let driver = ControlLease.Driver(principal)
        let time = Timestamp.now()
        var change: ControlLease.Change?
        do {
            let lease = try update(now: now) { (lease) throws(ControlLease.Refusal) in
                switch action {
                case .request: change = lease.request(from: driver, now: now, at: time)
                case .handover: change = try lease.handover(from: driver, now: now, at: time)
                case .decline: change = try lease.decline(from: driver, now: now)
                case .release: change = try lease.release(from: driver, now: now)
                case .takeover: change = lease.takeover(by: driver, now: now, at: time)
                }
                return change
            }
            return (lease, change)
        } catch {
            throw answer(to: error)
        }
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
