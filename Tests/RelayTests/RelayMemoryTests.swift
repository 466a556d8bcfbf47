import Foundation
import Synchronization
import TestSupport
import Testing

/// The relay's memory does not grow with its backlog: with the destination broker down, 150,000 messages of
/// ~400 bytes queue up (≈ 60 MB of payload alone), first while robot-server runs, then across a kill -9 and a
/// restart that resumes them from the queue file. Its resident memory is sampled throughout; then the destination
/// comes back and every message must arrive (duplicates counted and printed).
///
/// The bound: a lane holds at most `RelayPlan.laneCapacity` deliveries in memory (8,192 here, ≈ 5 MB at these
/// sizes), SQLite caches a few MB per connection, and the allocator keeps some slack: 40 MB above the idle server.
/// Holding the whole backlog, as the relay did before, is ≈ 100 MB more.
@Suite(.serialized) struct RelayMemoryTests {
    static let count = 150_000
    static let boundKiB = 40 * 1024

    @Test func aLargeBacklogKeepsMemoryBoundedAndEverythingArrivesAfter() async throws {
        let relay = try await RelayHarness.start()
        let receiver = try relay.client(
            onA: false, as: "admin", clientID: "memory-receiver",
            subscriptions: [.init(RelayOutageTests.topic, qos: 1)])
        try await receiver.waitUntilSubscribed()
        let publisher = try relay.client(onA: true, as: "customer")
        try await publisher.first(timeout: .seconds(5), "CONNACK") { if case .connected = $0 { true } else { false } }
        try await relay.brokerB.stop()
        try await Task.sleep(for: .milliseconds(500))
        let idle = try Self.residentKiB(relay.process.processIdentifier)

        let sampler = RSSSampler(pid: relay.process.processIdentifier)
        let started = ContinuousClock.now
        try await RelayOutageTests.publish(publisher.client, range: 0..<Self.count, run: "memory", padding: 250)
        let published = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(1))
        let whileRunning = sampler.stop()

        try await relay.crashAndRestart()
        let resumed = RSSSampler(pid: relay.process.processIdentifier)
        try await Task.sleep(for: .seconds(3))
        let afterRestart = resumed.stop()

        try await relay.brokerB.restart()
        let draining = RSSSampler(pid: relay.process.processIdentifier)
        let (unique, duplicates) = try await RelayOutageTests.waitForAll(
            receiver, count: Self.count, timeout: .seconds(120))
        let whileDraining = draining.stop()
        print(
            "relay memory: \(Self.count) messages published in \(published) with the destination down; VmRSS idle"
                + " \(idle / 1024) MB, peak while the backlog built \(whileRunning / 1024) MB, after kill -9 and"
                + " restart \(afterRestart / 1024) MB, while draining \(whileDraining / 1024) MB; all \(unique) arrived,"
                + " \(duplicates) duplicates")
        #expect(unique == Self.count)
        #expect(whileRunning - idle < Self.boundKiB, "grew \((whileRunning - idle) / 1024) MB as the backlog built")
        #expect(afterRestart - idle < Self.boundKiB, "resuming the backlog took \((afterRestart - idle) / 1024) MB")
        #expect(whileDraining - idle < Self.boundKiB, "draining took \((whileDraining - idle) / 1024) MB")
        await publisher.client.disconnect()
        await receiver.client.disconnect()
        await relay.stop()
    }

    /// VmRSS of `pid`, in KiB.
    static func residentKiB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw TestSupportError("no VmRSS in /proc/\(pid)/status") }
        return kib
    }
}

/// Samples a process's VmRSS every 50 ms on a thread of its own and keeps the peak.
final class RSSSampler: Sendable {
    private let state = Mutex((peak: 0, stopped: false))

    init(pid: Int32) {
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                if let kib = try? RelayMemoryTests.residentKiB(pid) {
                    state.withLock { $0.peak = max($0.peak, kib) }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        thread.start()
    }

    /// Stops sampling; returns the peak in KiB.
    func stop() -> Int {
        state.withLock { state in
            state.stopped = true
            return state.peak
        }
    }
}
