import SignalingProtocol
import Testing

@testable import WebRTCProducer

/// The KVS transport's pure rules: when the ICE configuration is fetched again, how the back-off counts, and the
/// hold that keeps a viewer's early candidates until its offer.
struct KVSProducerTimingTests {
    @Test func iceConfigurationIsFetchedAgainAt80PercentOfTheSmallestTtl() {
        #expect(KVSTimings.iceRefreshDelay(ttlSeconds: [300]) == .seconds(240))
        #expect(KVSTimings.iceRefreshDelay(ttlSeconds: [300, 6]) == .milliseconds(4800))
        // No TURN server (or no Ttl): the default 300 s; a Ttl of 1 s still waits a second.
        #expect(KVSTimings.iceRefreshDelay(ttlSeconds: []) == .seconds(240))
        #expect(KVSTimings.iceRefreshDelay(ttlSeconds: [0, -5]) == .seconds(240))
        #expect(KVSTimings.iceRefreshDelay(ttlSeconds: [1]) == .seconds(1))
    }

    @Test func backOffGrowsFromOneToThirtySecondsAndStartsAgainAfterAHealthyConnection() {
        let backoff = KVSTimings.backoff
        #expect(backoff.delay(attempt: 0, random: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 3, random: 0) == .seconds(8))
        #expect(backoff.delay(attempt: 10, random: 0) == .seconds(30))
        #expect(backoff.delay(attempt: 10, random: 1) == .seconds(15), "jitter takes off at most half")
        #expect(KVSTimings.attempt(after: 4, openFor: nil) == 5, "refused")
        #expect(KVSTimings.attempt(after: 4, openFor: .seconds(2)) == 5, "dropped at once")
        #expect(KVSTimings.attempt(after: 4, openFor: .seconds(60)) == 0, "lived a minute")
        #expect(KVSTimings.maxConnectionAge < .seconds(3600) && KVSTimings.pingPeriod < .seconds(600))
    }

    @Test func candidatesBeforeTheOfferWaitForIt() {
        var hold = KVSCandidateHold()
        #expect(hold.candidate(viewer: "v1", candidate: "candidate:1", sdpMLineIndex: 0).isEmpty)
        #expect(hold.candidate(viewer: "v1", candidate: "candidate:2", sdpMLineIndex: 1).isEmpty)
        #expect(hold.candidate(viewer: "v2", candidate: "candidate:9", sdpMLineIndex: 0).isEmpty)
        #expect(hold.heldCount == 3)
        #expect(
            hold.offer(viewer: "v1", sdp: "o1") == [
                .offer(viewer: "v1", sdp: "o1"), .candidate(viewer: "v1", candidate: "candidate:1", sdpMLineIndex: 0),
                .candidate(viewer: "v1", candidate: "candidate:2", sdpMLineIndex: 1),
            ])
        // After its offer a viewer's candidates pass at once; another viewer's still wait.
        #expect(
            hold.candidate(viewer: "v1", candidate: "candidate:3", sdpMLineIndex: 0) == [
                .candidate(viewer: "v1", candidate: "candidate:3", sdpMLineIndex: 0)
            ])
        #expect(hold.heldCount == 1)
        // A second offer (a new peer connection) from the same viewer passes on its own.
        #expect(hold.offer(viewer: "v1", sdp: "o2") == [.offer(viewer: "v1", sdp: "o2")])
    }

    @Test func theHoldIsBounded() {
        var hold = KVSCandidateHold()
        for index in 0..<(KVSCandidateHold.maxCandidatesPerViewer + 10) {
            _ = hold.candidate(viewer: "chatty", candidate: "candidate:\(index)", sdpMLineIndex: 0)
        }
        #expect(hold.heldCount == KVSCandidateHold.maxCandidatesPerViewer)
        for viewer in 0..<KVSCandidateHold.maxViewers {
            _ = hold.candidate(viewer: "v\(viewer)", candidate: "candidate:0", sdpMLineIndex: 0)
        }
        // The longest-waiting viewer (chatty) made room.
        #expect(hold.heldCount == KVSCandidateHold.maxViewers)
        #expect(hold.offer(viewer: "chatty", sdp: "late") == [.offer(viewer: "chatty", sdp: "late")])
    }

    @Test func settingsRefuseWhatKVSWouldNotTake() throws {
        let settings = try KVSSettings(channel: "sts-pi", region: "us-west-2")
        #expect(settings.controlPlaneURL == "https://kinesisvideo.us-west-2.amazonaws.com")
        #expect(settings.stunURL == "stun:stun.kinesisvideo.us-west-2.amazonaws.com:443")
        let test = try KVSSettings(
            channel: "sts-pi", region: "us-west-2", endpoint: "https://127.0.0.1:8443/", noSTUN: true)
        #expect(test.controlPlaneURL == "https://127.0.0.1:8443" && test.stunURL == nil)
        #expect(KVSSettings.isRegion("us-gov-west-1") && !KVSSettings.isRegion("us-west"))
        #expect(!KVSSettings.isRegion("US-WEST-2"))
        #expect(throws: ProducerConfigurationError.self) { try KVSSettings(channel: "a/b", region: "us-west-2") }
        #expect(throws: ProducerConfigurationError.self) { try KVSSettings(channel: "x", region: "west") }
        #expect(throws: ProducerConfigurationError.self) {
            try KVSSettings(channel: "x", region: "us-west-2", endpoint: "http://plain")
        }
        let noSTUN = "--kvs-no-stun: only with --kvs-endpoint (for tests); on AWS the regional STUN server is needed"
        #expect(throws: ProducerConfigurationError(noSTUN)) {
            try KVSSettings(channel: "x", region: "us-west-2", noSTUN: true)
        }
        // robot-server's options are not checked in KVS mode.
        let producer = try ProducerSettings(server: "", thing: "sts-pi", token: "", kvs: settings)
        #expect(producer.description.hasPrefix("kvs channel=sts-pi region=us-west-2 credentials=environment"))
    }
}
