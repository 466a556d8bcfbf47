import Logging
import StrictJSON
import Synchronization

/// The control leases shared between robot-server instances through the broker (`docs/SCALING.md`, "The lease across
/// instances"): who owns them, and the calls to the owner.
///
/// Every robot's lease has one **owner**, the live instance with the smallest id (``owner(among:)``): it decides every
/// event with the pure ``ControlLease`` and publishes the retained lease after each change (``ControlLeases`` does,
/// with ``publish(_:thing:now:)``). The other instances keep the last published lease as a replica. A non-owner
/// *calls* the owner for what its replica cannot answer (``call(_:thing:driver:)``): the reply carries the lease after
/// the event, or the refusal; no reply within `cluster.callTimeoutMs` is a 503.
///
/// This type knows the link, the owner and the calls in flight; ``ControlLeases`` (its ``ClusterMember``) knows the
/// robots.
final class ClusterLeases: Sendable {
    let link: ClusterLink
    private let logger: Logger

    private struct Calls {
        var next = 0
        /// The calls waiting for a reply, by id, with the owner each went to.
        var pending: [String: (owner: String, reply: CheckedContinuation<Reply.Outcome?, Never>)] = [:]
    }

    private let calls = Mutex(Calls())
    /// The owner as last logged.
    private let lastOwner: Mutex<String>
    /// When the owner publishes every lease again after its broker connection came back (``reconnected(now:)``).
    private let publishAgainAt = Mutex<ContinuousClock.Instant?>(nil)

    init(link: ClusterLink, logger: Logger) {
        self.link = link
        self.logger = logger
        lastOwner = Mutex(link.instance)
    }

    /// The owner rule: the smallest live id (byte order; ids are `[A-Za-z0-9_-]`).
    static func owner(among live: some Sequence<String>) -> String? {
        live.min()
    }

    /// The owner now, as this instance sees the membership.
    var owner: String { Self.owner(among: link.liveInstances) ?? link.instance }

    var isOwner: Bool { owner == link.instance }

    /// After a membership change: logs a new owner (notice) and says whether this instance just became it — then it
    /// continues from its replicas. The calls waiting on an owner that went offline fail at once.
    func membershipChanged() -> (becameOwner: Bool, owner: String) {
        let owner = self.owner
        let previous = lastOwner.withLock { last in
            defer { last = owner }
            return last
        }
        let gone = calls.withLock { calls in
            let ids = calls.pending.filter { !link.isLive($0.value.owner) }.map(\.key)
            return ids.compactMap { calls.pending.removeValue(forKey: $0)?.reply }
        }
        for call in gone {
            call.resume(returning: nil)
        }
        guard owner != previous else { return (false, owner) }
        logger.notice(
            "control: instance \(owner) owns the control leases now (was \(previous))",
            metadata: ["cluster.instance": "\(link.instance)"])
        return (owner == link.instance && previous != link.instance, owner)
    }

    /// The broker connection is back. The owner publishes its leases again in case the broker lost them — but only
    /// after ``publishAgainDelay``: by then the retained leases (re)delivered on the new subscription have reached the
    /// replicas, so a publication made while this instance was away (by the owner in its absence) is not overwritten
    /// by an older one.
    func reconnected(now: ContinuousClock.Instant) {
        publishAgainAt.withLock { $0 = now + Self.publishAgainDelay }
    }

    static let publishAgainDelay: Duration = .seconds(1)

    /// Whether the leases are to be published again now (once per reconnection).
    func publishAgainIsDue(now: ContinuousClock.Instant) -> Bool {
        publishAgainAt.withLock { due in
            guard let at = due, now >= at else { return false }
            due = nil
            return true
        }
    }

    /// Publishes `record` as `thing`'s retained lease.
    func publish(_ record: Record, thing: String, now: ContinuousClock.Instant) {
        link.publish(link.topics.lease(thing), record.payload(now: now), retain: true)
    }

    /// Asks the owner to decide `event` from `driver` on `thing`: its outcome, or 503 when it does not answer within
    /// `cluster.callTimeoutMs` (or this instance is not connected to the broker).
    func call(
        _ event: ControlLease.Event, thing: String, driver: ControlLease.Driver
    ) async throws(APIError) -> Reply.Outcome {
        let owner = self.owner
        guard link.isConnected else {
            throw unavailable(
                owner == link.instance
                    ? "this instance owns the control leases but is not connected to the broker to tell the others"
                    : "this instance is not connected to the broker, so it cannot ask instance \(owner), which owns "
                        + "the control leases")
        }
        let id = nextID()
        let payload = Call(id: id, from: link.instance, thing: thing, op: .event(event), driver: driver).json
            .serialized()
        let timeout = link.callTimeout
        let outcome = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self.resolve(id, with: nil)
            }
            let outcome = await withCheckedContinuation { reply in
                calls.withLock { $0.pending[id] = (owner, reply) }
                link.publish(link.topics.call(to: owner), payload)
            }
            group.cancelAll()
            return outcome
        }
        guard let outcome else {
            let milliseconds = Wire.milliseconds(timeout)
            throw unavailable(
                "no answer from instance \(owner), which owns the control leases, within \(milliseconds) ms "
                    + "(cluster.callTimeoutMs); try again")
        }
        return outcome
    }

    /// Tells the owner that `driver`, who holds `thing`'s lease, drove through this instance; no reply.
    func refresh(thing: String, driver: ControlLease.Driver) {
        let call = Call(id: nextID(), from: link.instance, thing: thing, op: .refresh, driver: driver)
        link.publish(link.topics.call(to: owner), call.json.serialized())
    }

    /// Answers `call` (as the owner).
    func answer(_ call: Call, _ outcome: Reply.Outcome, now: ContinuousClock.Instant) {
        link.publish(link.topics.call(to: call.from), Reply(id: call.id, outcome: outcome).json(now: now).serialized())
    }

    /// A reply arrived: the call waiting for it (if it has not timed out) gets its outcome.
    func received(_ reply: Reply) {
        resolve(reply.id, with: reply.outcome)
    }

    private func resolve(_ id: String, with outcome: Reply.Outcome?) {
        calls.withLock { $0.pending.removeValue(forKey: id) }?.reply.resume(returning: outcome)
    }

    private func nextID() -> String {
        calls.withLock { calls in
            calls.next += 1
            return "\(link.instance)-\(calls.next)"
        }
    }

    private func unavailable(_ detail: String) -> APIError {
        APIError(.serviceUnavailable, "control lease unavailable", detail)
    }
}
