@testable import RobotServer
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
                .send("viewer-1", ["type": "producer", "online": false]),
            ])
        let producer = state.join("producer-1", as: .producer)
        #expect(
            producer.dropFirst() == [
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
}
