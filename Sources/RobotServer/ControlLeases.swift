import Basics
import DriveProtocol
import Logging
import Synchronization

/// The control lease of every configured robot (``ControlLease``), each behind its own lock, announced to the robot's
/// viewers (``SignalingHub/controlChanged(to:)``) as it changes.
///
/// Each event runs under the robot's lock: an idle lease is expired first, then the event, and every change is
/// announced before the lock is released, so viewers hear the changes in the order they happened. (The lock order is
/// lease, then hub; the hub never calls back.) Made once, at start, for the configured robots: looking one up needs
/// no lock.
///
/// With a `cluster` section the lease is shared with the other robot-server instances (``ClusterLeases``,
/// `ControlLeases+Cluster.swift`): the owner decides as above and publishes each change; the others keep a replica
/// and call the owner.
final class ControlLeases: Sendable {
    /// One robot's lease.
    final class Robot: Sendable {
        /// The lease as this instance knows it, and (with a cluster) the publication it comes from.
        struct State {
            var lease: ControlLease
            /// The newest publication made or applied here (``ClusterLeases/Stamp/none`` alone, or before any).
            var stamp = ClusterLeases.Stamp.none
            /// When this instance (as the owner) last published the lease, and its holder's last command then.
            var published: (at: ContinuousClock.Instant, lastCommand: ContinuousClock.Instant?)?
            /// When this instance last told the owner that the holder drove through it.
            var refreshed: ContinuousClock.Instant?
        }

        let thing: String
        /// `control.idleSeconds`.
        let idleSeconds: Int
        let state: Mutex<State>
        let hub: SignalingHub?
        /// nil: this robot-server is alone and decides everything.
        let cluster: ClusterLeases?
        let logger: Logger

        init(
            thing: String, control: ServerConfig.Control, hub: SignalingHub?, cluster: ClusterLeases? = nil,
            logger: Logger
        ) {
            self.thing = thing
            idleSeconds = control.idleSeconds
            state = Mutex(State(lease: ControlLease(idleSeconds: control.idleSeconds)))
            self.hub = hub
            self.cluster = cluster
            self.logger = logger
        }

        /// Runs `event` on the lease at `now` (after expiring an idle one), announces what changed and, in a cluster,
        /// publishes it; returns the lease as it is after, or throws the event's refusal. Only the owner (or a
        /// robot-server alone) decides.
        @discardableResult
        func update<Refusal: Error>(
            now: ContinuousClock.Instant = .now,
            _ event: (inout ControlLease) throws(Refusal) -> ControlLease.Change?
        ) throws(Refusal) -> ControlLease {
            try updateStamped(now: now, event).lease
        }

        /// ``update(now:_:)``, with the stamp of the lease after it.
        func updateStamped<Refusal: Error>(
            now: ContinuousClock.Instant,
            _ event: (inout ControlLease) throws(Refusal) -> ControlLease.Change?
        ) throws(Refusal) -> (lease: ControlLease, stamp: ClusterLeases.Stamp) {
            try state.withLock { (state) throws(Refusal) -> (ControlLease, ClusterLeases.Stamp) in
                var expired = false
                if let change = state.lease.expire(now: now) {
                    announce(change, state.lease)
                    expired = true
                }
                let change: ControlLease.Change?
                do throws(Refusal) {
                    change = try event(&state.lease)
                } catch {
                    // Refused — but an expiry before it is news all the same.
                    if expired { publish(&state, now: now) }
                    throw error
                }
                if let change {
                    announce(change, state.lease)
                }
                if expired || change != nil {
                    publish(&state, now: now)
                }
                return (state.lease, state.stamp)
            }
        }

        /// The lease now: alone or as the owner, an idle one expired first (and announced); elsewhere the replica,
        /// as the owner last published it.
        @discardableResult
        func current(now: ContinuousClock.Instant = .now) -> ControlLease {
            guard cluster?.isOwner ?? true else { return state.withLock { $0.lease } }
            return update(now: now) { _ in nil }
        }

        func announce(_ change: ControlLease.Change, _ lease: ControlLease) {
            let holder = lease.holder?.driver.name ?? "nobody"
            let asker = lease.request.map { ", \($0.driver.name) asks" } ?? ""
            logger.log(
                level: change == .takenOver ? .notice : .info, "control: \(change) (\(holder) drives\(asker))",
                metadata: ["robot.thing": "\(thing)"])
            hub?.controlChanged(to: lease)
        }
    }

    private let robots: [String: Robot]
    let cluster: ClusterLeases?

    init(
        robots: [String], control: ServerConfig.Control, hubs: SignalingHubs, cluster link: ClusterLink? = nil,
        logger: Logger
    ) {
        let cluster = link.map { ClusterLeases(link: $0, logger: logger) }
        var leases: [String: Robot] = [:]
        for thing in robots {
            leases[thing] = Robot(thing: thing, control: control, hub: hubs[thing], cluster: cluster, logger: logger)
        }
        self.robots = leases
        self.cluster = cluster
        link?.add(self)
    }

    subscript(thing: String) -> Robot? { robots[thing] }

    var all: Dictionary<String, Robot>.Values { robots.values }

    /// Expires every idle lease, so that its viewers hear of it (``ControlLeaseSweep``); in a cluster only the owner
    /// does, and it also publishes the leases its holders kept driving (``Robot/republish(now:)``), and every lease
    /// a moment after its broker connection came back (``Robot/publishAgain(now:)``).
    func sweep(now: ContinuousClock.Instant = .now) {
        let again = cluster?.publishAgainIsDue(now: now) ?? false
        guard cluster?.isOwner ?? true else { return }
        for robot in robots.values {
            robot.current(now: now)
            robot.republish(now: now)
            if again { robot.publishAgain(now: now) }
        }
    }
}
