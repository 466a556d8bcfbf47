import Foundation
import Glibc
import Synchronization

/// A wire between two network namespaces that does in userspace what `tc netem` would do in the kernel (this
/// machine's kernel has no netem): two TUN interfaces, one in each namespace, with point-to-point addresses, and a
/// thread per direction that reads each IP packet from one and writes it to the other after the direction's
/// ``LinkConditions`` (loss, delay ± jitter, rate with a bounded queue — the model: ``LinkSchedule``).
///
/// The lab's routers have such a wire as their WAN link (``NATTopology``); ``set(_:_:)`` changes the conditions
/// while packets flow. ``stop()`` closes the descriptors, and the interfaces vanish with them (also when the
/// process dies).
public final class LinkEmulator: Sendable {
    /// One end: the TUN interface `interface` in `namespace`, with `address` and the other end's `peer` address.
    public struct End: Sendable {
        public var namespace: String
        public var interface: String
        public var address: String
        public var peer: String

        public init(namespace: String, interface: String, address: String, peer: String) {
            self.namespace = namespace
            self.interface = interface
            self.address = address
            self.peer = peer
        }
    }

    /// `aToB`: packets the first end's namespace sends out of its interface; `bToA`: the other way.
    public enum Direction: Sendable, CaseIterable {
        case aToB, bToA
    }

    /// What one direction did so far.
    public struct Counters: Sendable, Equatable {
        /// Delivered to the far end.
        public var packets = 0
        public var bytes = 0
        /// Dropped at random (``LinkConditions/loss``).
        public var lost = 0
        /// Dropped because the rate limit's queue was full.
        public var queueDropped = 0
    }

    /// The state of one direction, shared by its thread and the callers of ``set(_:_:)`` and ``counters(_:)``.
    private final class Lane: Sendable {
        let state: Mutex<(schedule: LinkSchedule, counters: Counters)>

        init(_ conditions: LinkConditions, seed: UInt64) {
            state = Mutex((LinkSchedule(conditions, seed: seed), Counters()))
        }
    }

    public let a: End
    public let b: End
    private let lanes: [Lane]
    private let descriptors: [Int32]
    private let wake: (read: Int32, write: Int32)
    private let running = DispatchGroup()
    private let stopped = Atomic<Bool>(false)

    /// Opens both interfaces, addresses them, brings them up and starts shuttling packets under `conditions` in
    /// both directions. `seed` makes the losses and jitter repeatable (each direction derives its own).
    public init(_ a: End, _ b: End, conditions: LinkConditions = .none, seed: UInt64 = .random(in: 0...UInt64.max))
        throws
    {
        self.a = a
        self.b = b
        lanes = [Lane(conditions, seed: seed), Lane(conditions, seed: seed ^ 0x5DEE_CE66_D1CE_B00C)]
        var opened: [Int32] = []
        do {
            for end in [a, b] {
                opened.append(try TUN.open(name: end.interface, namespace: end.namespace))
            }
            for end in [a, b] {
                try NATTopology.command(
                    ["ip", "-n", end.namespace, "addr", "add", end.address, "peer", end.peer, "dev", end.interface])
                try NATTopology.command(["ip", "-n", end.namespace, "link", "set", end.interface, "up"])
            }
            wake = try TUN.pipe()
        } catch {
            opened.forEach { Glibc.close($0) }
            throw error
        }
        descriptors = opened
        for (lane, (input, output)) in zip(lanes, [(opened[0], opened[1]), (opened[1], opened[0])]) {
            let (wakeFD, running) = (wake.read, running)
            running.enter()
            Thread {
                Self.shuttle(from: input, to: output, lane: lane, wake: wakeFD)
                running.leave()
            }.start()
        }
    }

    deinit {
        stop()
    }

    /// The conditions of `direction` now.
    public func conditions(_ direction: Direction) -> LinkConditions {
        lane(direction).state.withLock { $0.schedule.conditions }
    }

    /// Changes the conditions of one direction, or of both (nil), from the next packet on; packets already in
    /// flight keep their times.
    public func set(_ conditions: LinkConditions, _ direction: Direction? = nil) {
        for chosen in direction.map({ [$0] }) ?? Direction.allCases {
            lane(chosen).state.withLock { $0.schedule.update(conditions) }
        }
    }

    public func counters(_ direction: Direction) -> Counters {
        lane(direction).state.withLock { $0.counters }
    }

    /// Stops both threads and closes the interfaces' descriptors (the interfaces vanish). Idempotent; packets
    /// still in flight are dropped.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
        running.wait()
        (descriptors + [wake.read, wake.write]).forEach { Glibc.close($0) }
    }

    private func lane(_ direction: Direction) -> Lane {
        lanes[direction == .aToB ? 0 : 1]
    }

    /// One direction's loop: deliver what is due, wait (ppoll) until the next delivery or a packet or the wake
    /// pipe, read every waiting packet and schedule it. Ends when the wake pipe becomes readable.
    private static func shuttle(from input: Int32, to output: Int32, lane: Lane, wake: Int32) {
        var queue = DeliveryQueue()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var fds = [input, wake].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            var now = TUN.now()
            while let packet = queue.popDue(at: now) {
                let written = TUN.write(output, packet)
                lane.state.withLock { state in
                    if written {
                        state.counters.packets += 1
                        state.counters.bytes += packet.count
                    }
                }
            }
            guard TUN.poll(&fds, timeout: queue.nextTime.map { max(0, $0 - now) }), fds[1].revents == 0 else {
                return
            }
            guard fds[0].revents & Int16(POLLIN) != 0 else { continue }
            while let count = TUN.read(input, into: &buffer) {
                now = TUN.now()
                let verdict = lane.state.withLock { state in
                    let verdict = state.schedule.offer(bytes: count, at: now)
                    switch verdict {
                    case .lost: state.counters.lost += 1
                    case .queueFull: state.counters.queueDropped += 1
                    case .deliver: break
                    }
                    return verdict
                }
                if case .deliver(let time) = verdict {
                    queue.insert(Array(buffer[0..<count]), at: time)
                }
            }
        }
    }
}
