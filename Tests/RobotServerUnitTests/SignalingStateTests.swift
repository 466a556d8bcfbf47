@testable import RobotServer
import SignalingProtocol
import StrictJSON
import Testing

/// The signaling room's decisions, without sockets.
@Suite struct SignalingStateTests {
    func room(maxViewers: Int = 4) -> SignalingState {
        SignalingState(iceServers: [.init(urls: ["stun:stun.example.test"])], maxViewers: maxViewers)
    }

    @Test func aViewerWaitingForTheProducerIsAnnouncedWhenItConnects() {
        var state = room()
        let joined = state.join("viewer-1", as: .viewer)
        #expect(
            joined == [
                .send(
                    "viewer-1",
                    [
                        "type": "welcome", "peer": "viewer-1", "role": "viewer",
                        "iceServers": [["urls": ["stun:stun.example.test"]]],
                    ]),
                .send("viewer-1", ["type": "talker", "viewer": .null, "name": .null]),
                .send(
                    "viewer-1",
                    [
                        "type": "control", "holder": .null, "request": .null, "idleSeconds": 30,
                        "you": ["name": "anonymous", "driving": false, "mayDrive": false, "admin": false],
                    ]),
                .send("viewer-1", ["type": "producer", "online": false]),
            ])
        let producer = state.join("producer-1", as: .producer)
        #expect(
            producer.dropFirst(2) == [
                .send("viewer-1", ["type": "producer", "online": true]),
                .send("producer-1", ["type": "viewer-joined", "viewer": "viewer-1"]),
            ])
    }

    @Test func aReplacedProducerIsClosedAndItsLeavingChangesNothing() {
        var state = room()
        _ = state.join("producer-1", as: .producer)
        _ = state.join("viewer-1", as: .viewer)
        let replaced = state.join("producer-2", as: .producer)
        #expect(replaced.first == .close("producer-1", .replaced))
        #expect(replaced.contains(.send("viewer-1", ["type": "producer", "online": false])))
        #expect(replaced.last == .send("producer-2", ["type": "viewer-joined", "viewer": "viewer-1"]))
        #expect(state.leave("producer-1") == [])
        #expect(state.producer == "producer-2")
        #expect(state.received(#"{"type":"offer","viewer":"viewer-1","sdp":"x"}"#, from: "producer-1") == [])
    }

    @Test func viewersCannotSpeakForOtherViewersOrExceedTheLimit() {
        var state = room(maxViewers: 1)
        _ = state.join("producer-1", as: .producer)
        _ = state.join("viewer-1", as: .viewer)
        #expect(
            state.received(#"{"type":"answer","sdp":"x","viewer":"viewer-9"}"#, from: "viewer-1") == [
                .send("producer-1", ["type": "answer", "sdp": "x", "viewer": "viewer-1"])
            ])
        let refused = state.join("viewer-2", as: .viewer)
        #expect(refused.last == .close("viewer-2", .tooManyViewers))
        #expect(state.viewers == ["viewer-1"])
        #expect(state.leave("viewer-1") == [.send("producer-1", ["type": "viewer-left", "viewer": "viewer-1"])])
        #expect(state.leave("producer-1") == [])
    }

    @Test func onePrincipalHoldsAtMostItsShareOfTheViewers() {
        var state = SignalingState(iceServers: [], maxViewers: 4, maxViewersPerPrincipal: 2)
        _ = state.join("producer-1", as: .producer, principal: "token:robot")
        #expect(state.join("viewer-1", as: .viewer, principal: "token:home").count == 5)
        _ = state.join("viewer-2", as: .viewer, principal: "token:home")
        let refused = state.join("viewer-3", as: .viewer, principal: "token:home")
        #expect(refused.last == .close("viewer-3", .tooManyViewersForPrincipal))
        #expect(refused.first.map { "\($0)" }?.contains("video.maxViewersPerPrincipal") == true, "\(refused)")
        #expect(state.viewers == ["viewer-1", "viewer-2"])
        #expect(SignalingState.CloseReason.tooManyViewersForPrincipal.code == 4002)

        // Someone else still gets in; a slot given back can be taken again.
        #expect(state.join("viewer-4", as: .viewer, principal: "jwt:alice").last?.isClose == false)
        _ = state.leave("viewer-1")
        #expect(state.viewerCount(of: "token:home") == 1)
        #expect(state.join("viewer-5", as: .viewer, principal: "token:home").last?.isClose == false)
        #expect(state.viewers == ["viewer-2", "viewer-4", "viewer-5"])
    }

    @Test func viewersWithoutAPrincipalAreCappedOnlyByTheRobotsLimit() {
        var state = SignalingState(iceServers: [], maxViewers: 3, maxViewersPerPrincipal: 1)
        for index in 1...3 {
            #expect(state.join("viewer-\(index)", as: .viewer).last?.isClose == false)
        }
        #expect(state.join("viewer-4", as: .viewer).last == .close("viewer-4", .tooManyViewers))
    }
}

extension SignalingState.Action {
    var isClose: Bool {
        if case .close = self { true } else { false }
    }
}
