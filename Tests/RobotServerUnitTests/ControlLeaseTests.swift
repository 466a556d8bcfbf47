import Basics
import DriveProtocol
@testable import RobotServer
import SignalingProtocol
import Testing

/// One robot's control lease, as a pure value: time is passed in (``start`` plus seconds), nothing sleeps.
@Suite struct ControlLeaseTests {
    static let alice = ControlLease.Driver(identity: "token:alice", name: "alice")
    static let bob = ControlLease.Driver(identity: "token:bob", name: "bob")
    static let carol = ControlLease.Driver(identity: "jwt:carol", name: "carol")
    /// Another principal with the same display name as alice: the identity decides, not the name.
    static let otherAlice = ControlLease.Driver(identity: "jwt:alice", name: "alice")

    let start = ContinuousClock.now
    /// 2026-12-04T22:40:00Z
    let wall = Timestamp(secondsSinceEpoch: 1_796_424_000)!

    func now(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }
    func time(_ seconds: Int64) -> Timestamp { Timestamp(secondsSinceEpoch: wall.secondsSinceEpoch + seconds)! }

    /// A lease (30 s idle) that `alice` took at 0 s with a motion.
    func held() throws -> ControlLease {
        var lease = ControlLease(idleSeconds: 30)
        #expect(try lease.command(.motion, from: Self.alice, now: now(0), at: time(0)) == .taken)
        return lease
    }

    @Test func theFirstDriverTakesTheLeaseAndItsCommandsRefreshIt() throws {
        var lease = try held()
        #expect(lease.holder?.driver == Self.alice)
        #expect(ControlLease.text(lease.holder!.since) == "2026-12-04T22:40:00Z")
        #expect(try lease.command(.motion, from: Self.alice, now: now(20), at: time(20)) == nil, "a refresh")
        #expect(lease.holder?.since == time(0), "since stays")
        #expect(lease.holder?.lastCommand == now(20))
        // 20 + 29.9 s later it is still alice's; another's motion is refused.
        #expect(throws: ControlLease.Refusal.heldByAnother(lease.holder!)) {
            try lease.command(.motion, from: Self.bob, now: now(49.9), at: time(49))
        }
    }

    @Test func anotherPrincipalsMotionOrReleaseIsRefusedNamingTheHolderAndSince() throws {
        var lease = try held()
        let holder = try #require(lease.holder)
        for intent in [DriveIntent.motion, .release] {
            #expect(throws: ControlLease.Refusal.heldByAnother(holder)) {
                try lease.command(intent, from: Self.bob, now: now(1), at: time(1))
            }
        }
        #expect(throws: ControlLease.Refusal.heldByAnother(holder), "same name, another identity") {
            try lease.command(.motion, from: Self.otherAlice, now: now(1), at: time(1))
        }
        #expect(lease.holder == holder)
    }

    @Test func stopsAndEmergencyStopsAlwaysPassAndNeverTakeOrRefresh() throws {
        var free = ControlLease(idleSeconds: 30)
        for intent in [DriveIntent.stop, .emergencyStop] {
            #expect(try free.command(intent, from: Self.bob, now: now(0), at: time(0)) == nil)
        }
        #expect(free.holder == nil, "a stop does not take a free lease")

        var lease = try held()
        for intent in [DriveIntent.stop, .emergencyStop] {
            #expect(try lease.command(intent, from: Self.bob, now: now(10), at: time(10)) == nil)
            #expect(try lease.command(intent, from: Self.alice, now: now(10), at: time(10)) == nil)
        }
        #expect(lease.holder?.driver == Self.alice && lease.holder?.lastCommand == now(0), "nor refresh it")
        #expect(lease.expire(now: now(30)) == .expired)
    }

    @Test func anIdleLeaseExpiresExactlyAtIdleSeconds() throws {
        var lease = try held()
        #expect(lease.expire(now: now(29.999)) == nil)
        #expect(lease.holder(at: now(29.999))?.driver == Self.alice)
        #expect(lease.holder(at: now(30)) == nil)
        // Lazily: bob's motion at exactly 30 s takes it, without a sweep.
        var lazy = lease
        #expect(try lazy.command(.motion, from: Self.bob, now: now(30), at: time(30)) == .taken)
        #expect(lazy.holder?.driver == Self.bob && lazy.holder?.since == time(30))
        // The sweep at 30 s frees it, and says so once.
        #expect(lease.expire(now: now(30)) == .expired)
        #expect(lease.holder == nil)
        #expect(lease.expire(now: now(31)) == nil)
    }

    @Test func aRequestIsRecordedAndTheHolderHandsOver() throws {
        var lease = try held()
        #expect(lease.request(from: Self.bob, now: now(5), at: time(5)) == .requested)
        #expect(lease.request == .init(driver: Self.bob, at: time(5)))
        #expect(lease.request(from: Self.carol, now: now(6), at: time(6)) == .requested, "a newer request replaces it")
        #expect(lease.request?.driver == Self.carol)
        #expect(lease.request(from: Self.alice, now: now(7), at: time(7)) == nil, "the holder's own: nothing")

        #expect(throws: ControlLease.Refusal.notTheHolder(lease.holder)) {
            try lease.handover(from: Self.carol, now: now(8), at: time(8))
        }
        #expect(try lease.handover(from: Self.alice, now: now(8), at: time(8)) == .handedOver)
        #expect(lease.holder == .init(driver: Self.carol, since: time(8), lastCommand: now(8)))
        #expect(lease.request == nil)
        #expect(throws: ControlLease.Refusal.nobodyAsked) {
            try lease.handover(from: Self.carol, now: now(9), at: time(9))
        }
        // alice now asks like anyone else.
        #expect(throws: ControlLease.Refusal.heldByAnother(lease.holder!)) {
            try lease.command(.motion, from: Self.alice, now: now(9), at: time(9))
        }
    }

    @Test func aRequestForAFreeLeaseTakesIt() throws {
        var lease = ControlLease(idleSeconds: 30)
        #expect(lease.request(from: Self.bob, now: now(0), at: time(0)) == .taken)
        #expect(lease.holder?.driver == Self.bob && lease.request == nil)
        // And for an expired one.
        #expect(lease.request(from: Self.carol, now: now(30), at: time(30)) == .taken)
        #expect(lease.holder?.driver == Self.carol)
    }

    @Test func theHolderDeclines() throws {
        var lease = try held()
        #expect(try lease.decline(from: Self.alice, now: now(1)) == nil, "nothing to decline")
        _ = lease.request(from: Self.bob, now: now(2), at: time(2))
        #expect(throws: ControlLease.Refusal.notTheHolder(lease.holder)) {
            try lease.decline(from: Self.bob, now: now(3))
        }
        #expect(try lease.decline(from: Self.alice, now: now(3)) == .declined)
        #expect(lease.request == nil && lease.holder?.driver == Self.alice)
    }

    @Test func theHolderReleasesAndAPendingRequestIsNotGranted() throws {
        var lease = try held()
        _ = lease.request(from: Self.bob, now: now(2), at: time(2))
        #expect(throws: ControlLease.Refusal.notTheHolder(lease.holder)) {
            try lease.release(from: Self.bob, now: now(3))
        }
        #expect(try lease.release(from: Self.alice, now: now(3)) == .released)
        #expect(lease.holder == nil && lease.request == nil)
        #expect(throws: ControlLease.Refusal.notTheHolder(nil)) { try lease.release(from: Self.alice, now: now(4)) }
        // Asking again gets it at once.
        #expect(lease.request(from: Self.bob, now: now(4), at: time(4)) == .taken)
    }

    @Test func anAdminTakesOverAtOnce() throws {
        var lease = try held()
        _ = lease.request(from: Self.bob, now: now(2), at: time(2))
        #expect(lease.takeover(by: Self.carol, now: now(3), at: time(3)) == .takenOver)
        #expect(lease.holder == .init(driver: Self.carol, since: time(3), lastCommand: now(3)))
        #expect(lease.request == nil, "the pending request is dropped")
        // Taking over one's own lease keeps since, and drops a request.
        _ = lease.request(from: Self.alice, now: now(4), at: time(4))
        #expect(lease.takeover(by: Self.carol, now: now(5), at: time(5)) == .declined)
        #expect(lease.holder?.since == time(3) && lease.holder?.lastCommand == now(5) && lease.request == nil)
        #expect(lease.takeover(by: Self.carol, now: now(6), at: time(6)) == nil)
    }

    @Test func releasingTheEmergencyStopLatchNeedsTheLease() throws {
        var lease = try held()
        #expect(throws: ControlLease.Refusal.self) {
            try lease.command(.release, from: Self.bob, now: now(1), at: time(1))
        }
        #expect(try lease.command(.release, from: Self.alice, now: now(1), at: time(1)) == nil)
        var free = ControlLease(idleSeconds: 30)
        #expect(try free.command(.release, from: Self.bob, now: now(0), at: time(0)) == .taken)
    }

    @Test func withAuthenticationDisabledEveryoneSharesTheLease() throws {
        let anonymous = ControlLease.Driver(identity: nil, name: "anonymous")
        var lease = ControlLease(idleSeconds: 30)
        #expect(try lease.command(.motion, from: anonymous, now: now(0), at: time(0)) == .taken)
        #expect(try lease.command(.motion, from: anonymous, now: now(1), at: time(1)) == nil)
        #expect(lease.request(from: anonymous, now: now(2), at: time(2)) == nil)
        let status = lease.status(for: .init(driver: anonymous, mayDrive: true, admin: true))
        #expect(status.you.driving)
    }

    @Test func theStatusIsPersonalised() throws {
        var lease = try held()
        _ = lease.request(from: Self.bob, now: now(25), at: time(65))
        let forBob = lease.status(for: .init(driver: Self.bob, mayDrive: true, admin: false))
        #expect(
            forBob
                == ControlStatus(
                    holder: .init(name: "alice", since: "2026-12-04T22:40:00Z"),
                    request: .init(name: "bob", at: "2026-12-04T22:41:05Z"), idleSeconds: 30,
                    you: .init(name: "bob", driving: false, mayDrive: true, admin: false)))
        let forAlice = lease.status(for: .init(driver: Self.alice, mayDrive: true, admin: true))
        #expect(forAlice.you == .init(name: "alice", driving: true, mayDrive: true, admin: true))
        let forOtherAlice = lease.status(for: .init(driver: Self.otherAlice, mayDrive: false, admin: false))
        #expect(!forOtherAlice.you.driving)
    }
}

typealias DriveIntent = DriveCommand.Intent
