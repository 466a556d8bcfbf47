import Basics
import DriveProtocol
import Logging

/// One robot's lease shared with the other robot-server instances (``ClusterLeases``, `docs/SCALING.md`): the owner
/// publishes each change; the others apply what it publishes to their replica and pass what the replica can tell.
extension ControlLeases.Robot {
    /// As the owner: stamps the lease with the next `seq` and publishes it (retained). Under the lock, so the
    /// publications leave in the order of the changes.
    func publish(_ state: inout State, now: ContinuousClock.Instant) {
        guard let cluster else { return }
        state.stamp = ClusterLeases.Stamp(seq: state.stamp.seq + 1, owner: cluster.link.instance)
        state.published = (now, state.lease.holder?.lastCommand)
        cluster.publish(ClusterLeases.Record(stamp: state.stamp, lease: state.lease), thing: thing, now: now)
    }

    /// Not the owner: what passes without asking it (``ClusterLeases/passes(_:from:in:now:)``), with the lease as the
    /// replica has it; the holder's command refreshes the replica, and the owner hears of it at most once a second.
    /// nil: ask the owner.
    func pass(_ event: ControlLease.Event, from driver: ControlLease.Driver, now: ContinuousClock.Instant)
        -> ControlLease?
    {
        guard case .command(let intent) = event else { return nil }
        let (lease, refresh) = state.withLock { state -> (ControlLease?, Bool) in
            guard ClusterLeases.passes(intent, from: driver, in: state.lease, now: now) else { return (nil, false) }
            guard intent == .motion || intent == .release else { return (state.lease, false) }
            _ = try? state.lease.command(intent, from: driver, now: now, at: .now())
            guard ClusterLeases.refreshIsDue(last: state.refreshed, now: now) else { return (state.lease, false) }
            state.refreshed = now
            return (state.lease, true)
        }
        if refresh {
            cluster?.refresh(thing: thing, driver: driver)
        }
        return lease
    }

    /// A publication (the retained message, or a call's reply): the replica takes it when it is newer than what it has,
    /// and the robot's viewers here hear it when it shows something else. Returns the lease as it is after.
    @discardableResult
    func apply(_ record: ClusterLeases.Record) -> ControlLease {
        state.withLock { state in
            guard record.stamp.isNewer(than: state.stamp) else { return state.lease }
            let before = state.lease
            var record = record
            // The holder drove through this instance since the owner wrote it: keep the later command.
            if let mine = before.holder, let theirs = record.holder, mine.driver == theirs.driver,
                mine.since == theirs.since
            {
                record.holder?.lastCommand = max(mine.lastCommand, theirs.lastCommand)
            }
            state.lease = record.lease(idleSeconds: idleSeconds)
            state.stamp = record.stamp
            if ClusterLeases.shows(before) != ClusterLeases.shows(state.lease) {
                let holder = state.lease.holder?.driver.name ?? "nobody"
                let asker = state.lease.request.map { ", \($0.driver.name) asks" } ?? ""
                logger.debug(
                    "control: \(holder) drives\(asker) (instance \(record.stamp.owner), seq \(record.stamp.seq))",
                    metadata: ["robot.thing": "\(thing)"])
                hub?.controlChanged(to: state.lease)
            }
            return state.lease
        }
    }

    /// As the owner (the sweep): publishes the lease again when its holder drove since the last publication and that
    /// is ``ClusterLeases/republishPeriod(idleSeconds:)`` old, so that the replicas' idle time stays close — one of
    /// them continues from its replica if this instance dies.
    func republish(now: ContinuousClock.Instant) {
        state.withLock { state in
            guard let holder = state.lease.holder, holder.lastCommand != state.published?.lastCommand else { return }
            if let last = state.published?.at, now - last < ClusterLeases.republishPeriod(idleSeconds: idleSeconds) {
                return
            }
            publish(&state, now: now)
        }
    }

    /// This instance just became the owner: it continues from its replica (an idle lease expires) and publishes the
    /// lease under its own name, if anybody ever published one.
    func continueAsOwner(now: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.stamp != .none else { return }
            if let expired = state.lease.expire(now: now) {
                announce(expired, state.lease)
            }
            publish(&state, now: now)
        }
    }

    /// The broker connection came back a moment ago (``ClusterLeases/reconnected(now:)``): the owner publishes the
    /// lease again as it stands (same stamp: a replica that has it ignores it), in case the broker lost its retained
    /// messages.
    func publishAgain(now: ContinuousClock.Instant) {
        guard let cluster else { return }
        let record = state.withLock { state in
            state.stamp == .none ? nil : ClusterLeases.Record(stamp: state.stamp, lease: state.lease)
        }
        if let record {
            cluster.publish(record, thing: thing, now: now)
        }
    }

    /// As the owner: decides another instance's call and answers it (a refresh gets no answer).
    func answer(_ call: ClusterLeases.Call, now: ContinuousClock.Instant) {
        guard let cluster else { return }
        switch call.op {
        case .refresh:
            do {
                _ = try decide(.command(.motion), from: call.driver, now: now, at: .now())
            } catch {
                logger.debug(
                    "control: \(call.driver.name) drove through instance \(call.from), but \(error)",
                    metadata: ["robot.thing": "\(thing)"])
            }
        case .event(let event):
            do {
                let (lease, stamp, change) = try decide(event, from: call.driver, now: now, at: .now())
                cluster.answer(call, .decided(ClusterLeases.Record(stamp: stamp, lease: lease), change), now: now)
            } catch {
                cluster.answer(call, .refused(error), now: now)
            }
        }
    }
}

extension ControlLeases: ClusterMember {
    func instance(_ id: String, online: Bool) {
        guard let cluster, cluster.membershipChanged().becameOwner else { return }
        let now = ContinuousClock.now
        for robot in all {
            robot.continueAsOwner(now: now)
        }
    }

    func received(_ route: ClusterTopics.Route, payload: [UInt8]) {
        guard let cluster else { return }
        let now = ContinuousClock.now
        do {
            switch route {
            case .lease(let thing):
                let record = try ClusterLeases.Record(payload: payload, now: now)
                self[thing]?.apply(record)
            case .call:
                switch try ClusterLeases.Message(payload: payload, now: now) {
                case .reply(let reply):
                    cluster.received(reply)
                case .call(let call):
                    guard let robot = self[call.thing] else {
                        throw ClusterLeases.WireError("no robot \"\(call.thing)\" is configured here")
                    }
                    robot.answer(call, now: now)
                }
            case .presence, .home, .peer:
                return
            }
        } catch {
            cluster.link.logger.warning(
                "control: ignored a lease message (\(error)): \(String(decoding: payload.prefix(200), as: UTF8.self))")
        }
    }

    func reconnected() {
        cluster?.reconnected(now: .now)
    }
}
