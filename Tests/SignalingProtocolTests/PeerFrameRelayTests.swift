import SignalingProtocol
import StrictJSON
import Testing

/// How robot-server passes a peer's frame on: only `viewer` changes, every other field goes as it came.
@Suite struct PeerFrameRelayTests {
    @Test func aViewersFrameGoesToTheProducerWithTheSendersIDAndItsOtherFields() throws {
        let text = #"{"type":"ice","candidate":"candidate:2","sdpMLineIndex":0,"sdpMid":"0","viewer":"viewer-x"}"#
        let frame = try PeerFrame(parsing: text, from: .viewer)
        let relayed = frame.relayed(viewer: "viewer-1")
        // The claimed viewer is replaced in place; sdpMid, unknown to the contract, is kept.
        #expect(
            ServerFrame.relayed(relayed).text
                == #"{"type":"ice","candidate":"candidate:2","sdpMLineIndex":0,"sdpMid":"0","viewer":"viewer-1"}"#)
        #expect(relayed.viewer == "viewer-1")
        #expect(relayed.content == frame.content)
        let answer = try PeerFrame(parsing: #"{"type":"answer","sdp":"v=0","x":[1,{"y":null}]}"#, from: .viewer)
        #expect(
            ServerFrame.relayed(answer.relayed(viewer: "viewer-2")).text
                == #"{"type":"answer","sdp":"v=0","x":[1,{"y":null}],"viewer":"viewer-2"}"#)
    }

    @Test func aProducersFrameGoesToTheViewerWithoutViewer() throws {
        let text = #"{"type":"offer","viewer":"viewer-1","sdp":"v=0","extra":true}"#
        let relayed = try PeerFrame(parsing: text, from: .producer).relayed(viewer: nil)
        #expect(relayed.viewer == nil)
        #expect(relayed.text == #"{"type":"offer","sdp":"v=0","extra":true}"#)
        // The viewer reads it back, extra field included.
        #expect(try ServerFrame.parse(relayed.text, for: .viewer).frame == .relayed(relayed))
    }

    @Test func theProducersFramesAreWrittenInTheContractsOrder() throws {
        #expect(
            ProducerMessage.offer(viewer: "v", sdp: "v=0\r\n").text == #"{"type":"offer","viewer":"v","sdp":"v=0\u000d\u000a"}"#)
        #expect(
            ProducerMessage.candidate(viewer: "v", candidate: "c", sdpMLineIndex: 3).text
                == #"{"type":"ice","viewer":"v","candidate":"c","sdpMLineIndex":3}"#)
        // An answer (to a KVS viewer's offer) has the same shape; robot-server's viewers never offer the producer.
        #expect(ProducerMessage.answer(viewer: "v", sdp: "v=0").text == #"{"type":"answer","viewer":"v","sdp":"v=0"}"#)
        let frame = ProducerMessage.candidate(viewer: "v", candidate: "c", sdpMLineIndex: 3).frame
        #expect(try PeerFrame(parsing: frame.text, from: .producer) == frame)
    }

    @Test func aNewFrameLeavesOutAnAbsentIndex() {
        #expect(PeerFrame(.ice(candidate: "", sdpMLineIndex: nil), viewer: nil).text == #"{"type":"ice","candidate":""}"#)
        #expect(PeerFrame(.answer(sdp: "v=0"), viewer: nil).text == #"{"type":"answer","sdp":"v=0"}"#)
    }
}
