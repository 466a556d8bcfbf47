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
final class ControlLeases: Sendable {
    /// One robot's lease.
    final class Robot: Sendable {
        let thing: String
        /// `control.idleSeconds`.
        let idleSeconds: Int
        private let lease: Mutex<ControlLease>
        private let hub: SignalingHub?
        private let logger: Logger

        init(thing: String, control: ServerConfig.Control, hub: SignalingHub?, logger: Logger) {
            self.thing = thing
            idleSeconds = control.idleSeconds
            lease = Mutex(ControlLease(idleSeconds: control.idleSeconds))
            self.hub = hub
            self.logger = logger
        }

        /// Runs `event` on the lease at `now` (after expiring an idle one) and announces what changed; returns the
        /// lease as it is after, or throws the event's refusal.
        @discardableResult
        func update<Refusal: Error>(
            now: ContinuousClock.Instant = .now,
            _ event: (inout ControlLease) throws(Refusal) -> ControlLease.Change?
        ) throws(Refusal) -> ControlLease {
            try lease.withLock { (lease) throws(Refusal) -> ControlLease in
                if let expired = lease.expire(now: now) {
                    announce(expired, lease)
                }
                if let change = try event(&lease) {
                    announce(change, lease)
                }
                return lease
            }
        }

        /// The lease now (an idle one expired first, and announced).
        @discardableResult
        func current(now: ContinuousClock.Instant = .now) -> ControlLease {
            update(now: now) { _ in nil }
        }

        private func announce(_ change: ControlLease.Change, _ lease: ControlLease) {
            let holder = lease.holder?.driver.name ?? "nobody"
            let asker = lease.request.map { ", \($0.driver.name) asks" } ?? ""
            logger.log(
                level: change == .takenOver ? .notice : .info, "control: \(change) (\(holder) drives\(asker))",
                metadata: ["robot.thing": "\(thing)"])
            hub?.controlChanged(to: lease)
        }
    }

    private let robots: [String: Robot]

    init(
        robots: [String], control: ServerConfig.Control, hubs: SignalingHubs, cluster: ClusterLink? = nil,
        logger: Logger
    ) {
        var leases: [String: Robot] = [:]
        for thing in robots {
            leases[thing] = Robot(thing: thing, control: control, hub: hubs[thing], logger: logger)
        }
        self.robots = leases
    }

    subscript(thing: String) -> Robot? { robots[thing] }

    /// Expires every idle lease, so that its viewers hear of it (``ControlLeaseSweep``).
    func sweep(now: ContinuousClock.Instant = .now) {
        for robot in robots.values {
            robot.current(now: now)
        }
    }
}
