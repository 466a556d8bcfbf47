import Basics
@testable import RobotServer
import SignalingProtocol
import StrictJSON
import Testing

/// A viewer's `restart` in the signaling room, without sockets: passed on to the producer as `viewer-joined` for that
/// viewer (the producer offers a new peer connection), at most one a second per viewer (`docs/SIGNALING.md`).
@Suite struct SignalingRestartTests {
    static let restart = #"{"type":"restart"}"#

    func room() -> SignalingState {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("producer-1", as: .producer)
        _ = state.join("viewer-1", as: .viewer)
        _ = state.join("viewer-2", as: .viewer)
        return state
    }

    @Test func aRestartReachesTheProducerAsTheViewerJoiningAgain() {
        var state = room()
        let now = ContinuousClock.now
        #expect(
            state.received(Self.restart, from: "viewer-2", now: now) == [
                .send("producer-1", .viewerJoined(viewer: "viewer-2"))
            ])
        #expect(ViewerFrame.restart.text == Self.restart)
        #expect((try? ViewerFrame(parsing: Self.restart)) == .restart)
    }

    /// With `video.turn`, the producer gets fresh credentials for the restarted connection, minted now, as when the
    /// viewer joined: a restart after the welcome's credentials expired still reaches the relay.
    @Test func aRestartCarriesFreshTURNCredentials() throws {
        let minter = TURNCredentialMinter(
            urls: ["turn:203.0.113.10:3478?transport=udp"], secret: TURNSecret("s".utf8), ttlSeconds: 600)
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4, turn: minter)
        let joined = Timestamp(nanosecondsSinceEpoch: 1_000 * 1_000_000_000)
        _ = state.join("producer-1", as: .producer, at: joined)
        _ = state.join("viewer-1", as: .viewer, at: joined)
        let later = Timestamp(nanosecondsSinceEpoch: 5_000 * 1_000_000_000)
        let actions = state.restart(from: "viewer-1", now: .now, at: later)
        guard case .send("producer-1", .viewerJoined("viewer-1", let servers?))? = actions.first, actions.count == 1
        else {
            Issue.record("expected one viewer-joined with ICE servers for the producer: \(actions)")
            return
        }
        #expect(servers.map(\.username) == ["5600:producer-1"], "expiry = restart time + ttl: \(servers)")
    }

    /// A second restart within a second is refused to the viewer; after a second, and for another viewer, it passes.
    @Test func restartsAreRateLimitedPerViewer() {
        var state = room()
        let now = ContinuousClock.now
        _ = state.received(Self.restart, from: "viewer-1", now: now)
        #expect(
            state.received(Self.restart, from: "viewer-1", now: now + .milliseconds(500)) == [
                .send(
                    "viewer-1", .error(message: "restart: at most one restart a second; the last one is under way"))
            ])
        #expect(
            state.received(Self.restart, from: "viewer-2", now: now + .milliseconds(500)) == [
                .send("producer-1", .viewerJoined(viewer: "viewer-2"))
            ])
        #expect(
            state.received(Self.restart, from: "viewer-1", now: now + .seconds(1)) == [
                .send("producer-1", .viewerJoined(viewer: "viewer-1"))
            ])
    }

    @Test func withoutAProducerTheViewerIsToldSo() {
        var state = SignalingState(thing: "sts-pi", iceServers: [], maxViewers: 4)
        _ = state.join("viewer-1", as: .viewer)
        #expect(
            state.received(Self.restart, from: "viewer-1") == [
                .send(
                    "viewer-1",
                    .error(message: "restart: the robot's video producer is not connected; an offer comes when it is"))
            ])
    }

    /// A producer cannot ask for a restart (it offers anew by itself), and a viewer's restart is no negotiation frame.
    @Test func onlyViewersRestart() {
        var state = room()
        #expect(
            state.received(Self.restart, from: "producer-1") == [
                .send("producer-1", .error(message: #"a producer sends offer or ice, not "restart""#))
            ])
        #expect(throws: SignalingFrameError.self) { try PeerFrame(parsing: Self.restart, from: .viewer) }
    }

    /// A viewer that left and comes back under the same id (never, with random ids; here to show the slate is clean)
    /// is not held to its old restart's second.
    @Test func leavingForgetsTheLastRestart() {
        var state = room()
        let now = ContinuousClock.now
        _ = state.received(Self.restart, from: "viewer-1", now: now)
        _ = state.leave("viewer-1")
        #expect(state.restartedAt["viewer-1"] == nil)
    }
}
