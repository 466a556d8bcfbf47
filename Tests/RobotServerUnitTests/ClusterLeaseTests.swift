import Basics
import DriveProtocol
import Logging
@testable import RobotServer
import StrictJSON
import Testing

/// The control lease across robot-server instances, pure: the retained lease message and the call/reply messages
/// (round trips, `idleMs` → `lastCommand` on the receiver's clock), which publication is newer, the owner rule, and
/// what a non-owner passes without asking. Time is passed in; nothing sleeps.
@Suite struct ClusterLeaseTests {
    static let alice = ControlLease.Driver(identity: "token:alice", name: "alice")
    static let bob = ControlLease.Driver(identity: "jwt:bob", name: "bob")
    /// Authentication disabled: no identity.
    static let anonymous = ControlLease.Driver(identity: nil, name: "anonymous")

    let start = ContinuousClock.now
    /// 2026-12-04T22:40:00.123456Z
    let wall = Timestamp(secondsSinceEpoch: 1_796_424_000, nanoseconds: 123_456_000)!

    func now(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }

    /// alice took the lease at 0 s (and last drove at 2 s); bob asks.
    var record: ClusterLeases.Record {
        ClusterLeases.Record(
            stamp: .init(seq: 7, owner: "a"),
            holder: .init(driver: Self.alice, since: wall, lastCommand: now(2)),
            request: .init(driver: Self.bob, at: Timestamp(secondsSinceEpoch: 1_796_424_003)!))
    }

    @Test func theLeaseMessageRoundTripsWithIdleTimeInsteadOfAClock() throws {
        let json = record.json(now: now(3.2))
        #expect(
            json.serializedString()
                == #"{"owner":"a","seq":7,"holder":{"identity":"token:alice","name":"alice","#
                + #""since":"2026-12-04T22:40:00.123456Z","idleMs":1200},"#
                + #""request":{"identity":"jwt:bob","name":"bob","at":"2026-12-04T22:40:03.000000Z"}}"#)
        // Read on the same clock at once: the same record.
        #expect(try ClusterLeases.Record(payload: record.payload(now: now(3.2)), now: now(3.2)) == record)
        // Read 0.5 s later (on another instance's clock): the holder's last command was 1.2 s before it arrived.
        let later = try ClusterLeases.Record(payload: record.payload(now: now(3.2)), now: now(10))
        #expect(later.holder?.lastCommand == now(8.8))
        #expect(later.holder?.since == wall && later.request == record.request && later.stamp == record.stamp)
    }

    @Test func aFreeLeaseAndAnAnonymousHolderRoundTrip() throws {
        let free = ClusterLeases.Record(stamp: .init(seq: 1, owner: "b"), holder: nil, request: nil)
        #expect(free.json(now: now(0)).serializedString() == #"{"owner":"b","seq":1,"holder":null,"request":null}"#)
        #expect(try ClusterLeases.Record(payload: free.payload(now: now(0)), now: now(5)) == free)
        let anonymous = ClusterLeases.Record(
            stamp: .init(seq: 2, owner: "b"), holder: .init(driver: Self.anonymous, since: wall, lastCommand: now(1)),
            request: nil)
        #expect(try ClusterLeases.Record(payload: anonymous.payload(now: now(1)), now: now(1)) == anonymous)
        // A holder idle longer than idleSeconds arrives expired.
        let lease = try ClusterLeases.Record(payload: anonymous.payload(now: now(31)), now: now(31)).lease(
            idleSeconds: 30)
        #expect(lease.holder?.driver == Self.anonymous && lease.holder(at: now(31)) == nil)
    }

    @Test func unreadableLeaseMessagesAreRefusedNamingTheField() {
        let cases: [(String, String)] = [
            ("{", "not JSON"),
            (#"{"owner":"a","seq":0,"holder":null,"request":null}"#, "seq must be 1 or more"),
            (#"{"owner":1,"seq":3,"holder":null,"request":null}"#, "owner must be a string"),
            (
                #"{"owner":"a","seq":3,"holder":{"identity":null,"name":"x","since":"2026-12-04T22:40:00Z","#
                    + #""idleMs":-1}}"#,
                "holder: idleMs must not be negative"
            ),
            (
                #"{"owner":"a","seq":3,"holder":{"identity":2,"name":"x","since":"2026-12-04T22:40:00Z","idleMs":1}}"#,
                "holder: identity must be a string or null"
            ),
            (#"{"owner":"a","seq":3,"request":{"name":"x","at":"yesterday"}}"#, "request: at must be an ISO-8601"),
        ]
        for (text, expected) in cases {
            #expect(throws: ClusterLeases.WireError.self, "\(text)") {
                do {
                    _ = try ClusterLeases.Record(payload: Array(text.utf8), now: now(0))
                } catch let error as ClusterLeases.WireError {
                    #expect(error.description.hasPrefix(expected), "\(text): \(error)")
                    throw error
                }
            }
        }
    }

    @Test func theNewerPublicationWinsAndTheSmallerOwnerBreaksATie() {
        let seven = ClusterLeases.Stamp(seq: 7, owner: "b")
        #expect(ClusterLeases.Stamp(seq: 8, owner: "c").isNewer(than: seven))
        #expect(!ClusterLeases.Stamp(seq: 6, owner: "a").isNewer(than: seven))
        #expect(!seven.isNewer(than: seven), "the same publication again (our own, or a republication)")
        // Two instances that both thought they owned it: the one that stays owner once they agree wins.
        #expect(ClusterLeases.Stamp(seq: 7, owner: "a").isNewer(than: seven))
        #expect(!ClusterLeases.Stamp(seq: 7, owner: "c").isNewer(than: seven))
        #expect(ClusterLeases.Stamp(seq: 1, owner: "z").isNewer(than: .none))
    }

    @Test func theOwnerIsTheSmallestLiveInstance() {
        #expect(ClusterLeases.owner(among: ["b", "a", "c"]) == "a")
        #expect(ClusterLeases.owner(among: ["eu-2", "eu-10"]) == "eu-10", "byte order, not numeric")
        #expect(ClusterLeases.owner(among: ["B", "a"]) == "B", "upper case sorts first")
        #expect(ClusterLeases.owner(among: ["solo"]) == "solo")
        #expect(ClusterLeases.owner(among: [String]()) == nil)
    }

    @Test func callsRoundTripEveryOp() throws {
        let command = ClusterLeases.Call(
            id: "b-17", from: "b", thing: "sts-pi", op: .event(.command(.motion)), driver: Self.alice)
        #expect(
            command.json.serializedString()
                == #"{"id":"b-17","from":"b","thing":"sts-pi","op":"command","intent":"motion","#
                + #""driver":{"identity":"token:alice","name":"alice"}}"#)
        let ops: [ClusterLeases.Call.Op] = [
            .event(.command(.motion)), .event(.command(.release)), .event(.command(.emergencyStop)),
            .event(.request), .event(.handover), .event(.decline), .event(.release), .event(.takeover), .refresh,
        ]
        for op in ops {
            let call = ClusterLeases.Call(id: "b-1", from: "b", thing: "rover", op: op, driver: Self.anonymous)
            #expect(try ClusterLeases.Message(payload: call.json.serialized(), now: now(0)) == .call(call))
        }
        let refresh = ClusterLeases.Call(id: "b-2", from: "b", thing: "rover", op: .refresh, driver: Self.bob)
        #expect(refresh.json["op"] == "refresh" && refresh.json["intent"] == .null)
        #expect(command.json.serializedString().contains(#""op":"command""#))
        for text in [
            #"{"id":"b-1","from":"b","thing":"x","op":"fly","intent":null,"driver":{"name":"x"}}"#,
            #"{"id":"b-1","from":"b","thing":"x","op":"command","intent":"jump","driver":{"name":"x"}}"#,
            #"{"id":"b-1","from":"b","thing":"x","op":"request","intent":null}"#,
        ] {
            #expect(throws: ClusterLeases.WireError.self, "\(text)") {
                try ClusterLeases.Message(payload: Array(text.utf8), now: now(0))
            }
        }
    }

    @Test func aDecidedReplyCarriesTheLeaseAndTheChange() throws {
        let reply = ClusterLeases.Reply(id: "b-17", outcome: .decided(record, .requested))
        let text = reply.json(now: now(3.2)).serializedString()
        #expect(text.hasPrefix(#"{"reply":"b-17","lease":{"owner":"a","seq":7,"#), "\(text)")
        #expect(text.hasSuffix(#""change":"requested"}"#), "\(text)")
        #expect(try ClusterLeases.Message(payload: Array(text.utf8), now: now(3.2)) == .reply(reply))
        let unchanged = ClusterLeases.Reply(id: "b-18", outcome: .decided(record, nil))
        #expect(unchanged.json(now: now(2))["change"] == .null)
        #expect(
            try ClusterLeases.Message(payload: unchanged.json(now: now(2)).serialized(), now: now(2))
                == .reply(unchanged))
        let changes: [ControlLease.Change] = [
            .taken, .handedOver, .released, .expired, .takenOver, .requested, .declined,
        ]
        for change in changes {
            let reply = ClusterLeases.Reply(id: "a-1", outcome: .decided(record, change))
            #expect(
                try ClusterLeases.Message(payload: reply.json(now: now(2)).serialized(), now: now(2)) == .reply(reply))
        }
    }

    @Test func refusalsRoundTripWithTheHolderTheyName() throws {
        let holder = try #require(record.holder)
        let refusals: [ControlLease.Refusal] = [
            .heldByAnother(holder), .notTheHolder(holder), .notTheHolder(nil), .nobodyAsked,
        ]
        for refusal in refusals {
            let reply = ClusterLeases.Reply(id: "b-3", outcome: .refused(refusal))
            #expect(
                try ClusterLeases.Message(payload: reply.json(now: now(2)).serialized(), now: now(2)) == .reply(reply))
        }
        let held = ClusterLeases.Reply(id: "b-3", outcome: .refused(.heldByAnother(holder))).json(now: now(2.5))
        #expect(
            held.serializedString()
                == #"{"reply":"b-3","refusal":{"kind":"heldByAnother","holder":{"identity":"token:alice","#
                + #""name":"alice","since":"2026-12-04T22:40:00.123456Z","idleMs":500}}}"#)
        // The 409 the caller answers is the owner's, word for word: same holder, same since.
        let read = try ClusterLeases.Message(payload: held.serialized(), now: now(9))
        #expect(
            read
                == .reply(
                    .init(
                        id: "b-3",
                        outcome: .refused(.heldByAnother(.init(driver: Self.alice, since: wall, lastCommand: now(8.5))))
                    )))
        let noHolder = #"{"reply":"b-3","refusal":{"kind":"heldByAnother","holder":null}}"#
        #expect(throws: ClusterLeases.WireError.self) {
            try ClusterLeases.Message(payload: Array(noHolder.utf8), now: now(0))
        }
    }

    @Test func aNonOwnerPassesStopsAndTheLiveHoldersOwnCommands() throws {
        var replica = ControlLease(idleSeconds: 30)
        for intent in [DriveCommand.Intent.stop, .emergencyStop] {
            #expect(ClusterLeases.passes(intent, from: Self.bob, in: replica, now: now(0)))
        }
        // A free lease: the owner decides who takes it.
        #expect(!ClusterLeases.passes(.motion, from: Self.alice, in: replica, now: now(0)))
        replica = ClusterLeases.Record(
            stamp: .init(seq: 3, owner: "a"), holder: .init(driver: Self.alice, since: wall, lastCommand: now(0)),
            request: nil
        ).lease(idleSeconds: 30)
        #expect(ClusterLeases.passes(.motion, from: Self.alice, in: replica, now: now(29.9)))
        #expect(ClusterLeases.passes(.release, from: Self.alice, in: replica, now: now(1)))
        #expect(!ClusterLeases.passes(.motion, from: Self.bob, in: replica, now: now(1)), "another holder: a call")
        #expect(!ClusterLeases.passes(.motion, from: Self.alice, in: replica, now: now(30)), "idle: a call")
        #expect(ClusterLeases.passes(.stop, from: Self.bob, in: replica, now: now(1)))
    }

    @Test func refreshesGoAtMostOnceASecondAndTheOwnerRepublishesAFifthOfTheIdleTime() {
        #expect(ClusterLeases.refreshIsDue(last: nil, now: now(0)))
        #expect(!ClusterLeases.refreshIsDue(last: now(0), now: now(0.999)))
        #expect(ClusterLeases.refreshIsDue(last: now(0), now: now(1)))
        #expect(ClusterLeases.republishPeriod(idleSeconds: 30) == .seconds(6))
        #expect(ClusterLeases.republishPeriod(idleSeconds: 5) == .seconds(1))
    }

    @Test func aReplicaAnnouncesOnlyWhatViewersSee() {
        let lease = record.lease(idleSeconds: 30)
        var refreshed = record
        refreshed.holder?.lastCommand = now(20)
        #expect(ClusterLeases.shows(lease) == ClusterLeases.shows(refreshed.lease(idleSeconds: 30)))
        var declined = record
        declined.request = nil
        #expect(ClusterLeases.shows(lease) != ClusterLeases.shows(declined.lease(idleSeconds: 30)))
        // A request without a holder cannot stand.
        #expect(ControlLease(idleSeconds: 30, holder: nil, request: record.request).request == nil)
    }

    /// The owner's side and a replica's, on a link with no MQTT client (its publications go nowhere).
    @Test func theOwnerStampsEachChangeAndAReplicaTakesOnlyNewerPublications() throws {
        let logger = Logger(label: "cluster-leases")
        let hubs = SignalingHubs(robots: ["sts-pi"], video: .init(), logger: logger)
        let link = ClusterLink(config: .init(instanceID: "a"), logger: logger)
        let leases = ControlLeases(
            robots: ["sts-pi"], control: .init(idleSeconds: 30), hubs: hubs, cluster: link, logger: logger)
        let robot = try #require(leases["sts-pi"])
        #expect(leases.cluster?.isOwner == true, "alone, a owns its leases")

        // The reply to a call carries the stamp the change was published with, never the one before it.
        let taken = try robot.decide(.command(.motion), from: Self.alice, now: now(0), at: wall)
        #expect(taken.stamp == .init(seq: 1, owner: "a") && taken.change == .taken)
        let refreshed = try robot.decide(.command(.motion), from: Self.alice, now: now(1), at: wall)
        #expect(refreshed.stamp.seq == 1 && refreshed.change == nil, "a refresh is not published")
        #expect(try robot.decide(.request, from: Self.bob, now: now(2), at: wall).stamp.seq == 2)
        // A refusal after an expiry: the expiry is published all the same.
        #expect(throws: ControlLease.Refusal.notTheHolder(nil)) {
            try robot.decide(.handover, from: Self.bob, now: now(31), at: wall)
        }
        #expect(robot.state.withLock { $0.stamp } == .init(seq: 3, owner: "a"))

        // As a replica: the same seq from a larger id loses, a newer seq wins.
        let bobs = ClusterLeases.Record(
            stamp: .init(seq: 3, owner: "b"), holder: .init(driver: Self.bob, since: wall, lastCommand: now(32)),
            request: nil)
        #expect(robot.apply(bobs).holder == nil)
        var newer = bobs
        newer.stamp = .init(seq: 4, owner: "b")
        #expect(robot.apply(newer).holder?.driver == Self.bob)
        #expect(robot.state.withLock { $0.stamp } == newer.stamp)

        // Back on the broker: the leases are published again once, a second later (after the retained ones came in).
        let cluster = try #require(leases.cluster)
        cluster.reconnected(now: now(40))
        #expect(!cluster.publishAgainIsDue(now: now(40.9)))
        #expect(cluster.publishAgainIsDue(now: now(41)))
        #expect(!cluster.publishAgainIsDue(now: now(42)), "once")
    }
}
