import Basics
@testable import RobotServer
import Logging
import SignalingProtocol
import StrictJSON
import Testing

/// The `control` frame in the signaling room, without sockets: where it comes on joining, that each viewer hears its
/// own `you`, that the producer never hears it, and that the leases announce every change (expiry included) through
/// the robot's hub.
@Suite struct ControlFrameTests {
    static let alice = SignalingState.Speaker(name: "alice", roles: [.drive, .view])
    static let watcher = SignalingState.Speaker(name: "watcher", roles: [.view])
    static let admin = SignalingState.Speaker(name: "admin", roles: [.drive, .view, .admin])

    /// The control frame `you` would get from `lease`.
    func control(_ lease: ControlLease, you: ControlStatus.You) -> ServerFrame {
        var status = lease.status(for: .init(driver: .init(identity: nil, name: ""), mayDrive: false, admin: false))
        status.you = you
        return .control(status)
    }

    @Test func aViewerHearsWhoDrivesRightAfterTheTalker() {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4, idleSeconds: 45)
        _ = state.join("producer-1", as: .producer, principal: "token:robot")
        _ = state.telemetry(["event": "heartbeat"])
        let joined = state.join("viewer-1", as: .viewer, principal: "token:alice", speaker: Self.alice)
        #expect(
            joined.map(\.peerAndType) == [
                "viewer-1 welcome", "viewer-1 talker", "viewer-1 control", "viewer-1 producer", "viewer-1 telemetry",
                "producer-1 viewer-joined",
            ])
        #expect(
            joined[2]
                == .send(
                    "viewer-1",
                    [
                        "type": "control", "holder": .null, "request": .null, "idleSeconds": 45,
                        "you": ["name": "alice", "driving": false, "mayDrive": true, "admin": false],
                    ]))
    }

    @Test func everyViewerHearsAChangeWithItsOwnYouAndTheProducerNothing() throws {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("producer-1", as: .producer, principal: "token:robot")
        _ = state.join("viewer-1", as: .viewer, principal: "token:alice", speaker: Self.alice)
        _ = state.join("viewer-2", as: .viewer, principal: "token:watcher", speaker: Self.watcher)
        _ = state.join("viewer-3", as: .viewer, principal: "token:admin", speaker: Self.admin)
        var lease = ControlLease(idleSeconds: 30)
        let alice = ControlLease.Driver(identity: "token:alice", name: "alice")
        _ = try lease.command(.motion, from: alice, now: .now, at: Timestamp(secondsSinceEpoch: 1_796_424_000)!)

        let announced = state.controlChanged(to: lease)
        #expect(
            announced == [
                .send(
                    "viewer-1", control(lease, you: .init(name: "alice", driving: true, mayDrive: true, admin: false))),
                .send(
                    "viewer-2",
                    control(lease, you: .init(name: "watcher", driving: false, mayDrive: false, admin: false))),
                .send(
                    "viewer-3", control(lease, you: .init(name: "admin", driving: false, mayDrive: true, admin: true))),
            ])
        #expect(
            ServerFrame.control(lease.status(for: .init(driver: alice, mayDrive: true, admin: false))).text
                == #"{"type":"control","holder":{"name":"alice","since":"2026-12-04T22:40:00Z"},"request":null,"#
                + #""idleSeconds":30,"you":{"name":"alice","driving":true,"mayDrive":true,"admin":false}}"#)
        // A viewer joining later hears the lease as last announced.
        let late = state.join("viewer-4", as: .viewer, principal: "token:alice", speaker: Self.alice)
        #expect(
            late[2]
                == .send(
                    "viewer-4", control(lease, you: .init(name: "alice", driving: true, mayDrive: true, admin: false))))
    }

    @Test func theLeasesAnnounceEachChangeThroughTheHubExpiryIncluded() async throws {
        let logger = Logger(label: "control-frames")
        let hubs = SignalingHubs(robots: ["sts-pi"], video: .init(), control: .init(idleSeconds: 5), logger: logger)
        let leases = ControlLeases(robots: ["sts-pi"], control: .init(idleSeconds: 5), hubs: hubs, logger: logger)
        let hub = try #require(hubs["sts-pi"])
        let robot = try #require(leases["sts-pi"])
        let (producerPeer, producer) = hub.join(as: .producer, principal: "token:robot")
        let (_, viewer) = hub.join(as: .viewer, principal: "token:alice", speaker: Self.alice)
        let alice = Principal(kind: .token, name: "alice", robots: .some(["sts-pi"]))
        let bob = Principal(kind: .token, name: "bob", robots: .some(["sts-pi"]))

        let start = ContinuousClock.now
        try await robot.command(.motion, from: alice, now: start)
        try await robot.command(.motion, from: alice, now: start + .seconds(1))  // a refresh: no frame
        _ = try await robot.perform(.request, by: bob, now: start + .seconds(2))
        _ = try await robot.perform(.decline, by: alice, now: start + .seconds(3))
        leases.sweep(now: start + .seconds(5.9))  // 4.9 s after alice's last command: still hers
        leases.sweep(now: start + .seconds(6))
        leases.sweep(now: start + .seconds(7))  // announced once

        let frames = await texts(of: viewer, count: 8)
        let controls = frames.filter { $0.contains(#""type":"control""#) }.compactMap { try? JSONParser.parse($0) }
        #expect(controls.count == 5, "\(frames)")
        #expect(controls.map { $0["holder"]?["name"] ?? .null } == [.null, "alice", "alice", "alice", .null])
        #expect(controls.map { $0["request"]?["name"] ?? .null } == [.null, .null, "bob", .null, .null])
        #expect(controls.map { $0["you"]?["driving"] } == [false, true, true, true, false])
        hub.leave(producerPeer)
        let producerFrames = await texts(of: producer, count: 100)
        #expect(producerFrames.count == 3 && !producerFrames.contains { $0.contains("control") }, "\(producerFrames)")
        #expect(robot.current(now: start + .seconds(8)).holder == nil)
    }

    /// The first `count` text frames of a mailbox.
    func texts(of mailbox: AsyncStream<SignalingHub.Outbound>, count: Int) async -> [String] {
        var texts: [String] = []
        for await frame in mailbox {
            if case .text(let text, _) = frame { texts.append(text) }
            if texts.count == count { break }
        }
        return texts
    }
}

extension SignalingState.Action {
    /// `viewer-1 welcome`: to whom, and the frame's type.
    var peerAndType: String {
        switch self {
        case .send(let peer, let frame): "\(peer) \(frame.json["type"]?.stringValue ?? "?")"
        case .close(let peer, _): "\(peer) close"
        }
    }
}
