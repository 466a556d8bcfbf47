import Testing

@testable import WebRTCProducer

/// What the producer reads from a viewer's offer before answering it (``ViewerOffer``): pure, on offers shaped like
/// Chromium's and Firefox's.
@Suite struct KVSViewerOfferTests {
    /// Chromium's offer: VP8 96, H.264 baseline 102/104, constrained baseline 106 (pm 1) and 108 (pm 0), main 127;
    /// Opus 111.
    static let chromium = """
        v=0\r
        o=- 1 2 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE 0 1\r
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 104 106 107 108 127\r
        a=mid:0\r
        a=recvonly\r
        a=rtpmap:96 VP8/90000\r
        a=rtcp-fb:96 nack\r
        a=rtpmap:97 rtx/90000\r
        a=fmtp:97 apt=96\r
        a=rtpmap:102 H264/90000\r
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r
        a=rtpmap:104 H264/90000\r
        a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r
        a=rtpmap:106 H264/90000\r
        a=rtcp-fb:106 goog-remb\r
        a=rtcp-fb:106 transport-cc\r
        a=rtcp-fb:106 ccm fir\r
        a=rtcp-fb:106 nack\r
        a=rtcp-fb:106 nack pli\r
        a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r
        a=rtpmap:107 rtx/90000\r
        a=fmtp:107 apt=106\r
        a=rtpmap:108 H264/90000\r
        a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r
        a=rtpmap:127 H264/90000\r
        a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r
        m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0\r
        a=mid:1\r
        a=sendrecv\r
        a=rtpmap:111 opus/48000/2\r
        a=fmtp:111 minptime=10;useinbandfec=1\r
        a=rtpmap:63 red/48000/2\r
        a=rtpmap:0 PCMU/8000\r

        """

    @Test func chromiumOfferGivesTheConstrainedBaselineAndOpusPayloadTypes() throws {
        let offer = try ViewerOffer(Self.chromium, codec: .h264)
        #expect(offer.videoPayloadType == 106, "42e01f with packetization-mode 1; 102 is baseline, 108 mode 0")
        #expect(offer.audioPayloadType == 111)
        #expect(offer.videoFeedback == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(try ViewerOffer(Self.chromium, codec: .vp8).videoPayloadType == 96)
    }

    @Test func firefoxOfferWithOtherNumbersAndNoAudio() throws {
        let firefox = """
            v=0
            m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98
            a=recvonly
            a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1
            a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1
            a=rtpmap:120 VP8/90000
            a=rtpmap:126 H264/90000
            a=rtpmap:97 H264/90000
            a=rtcp-fb:126 nack pli
            """
        let offer = try ViewerOffer(firefox, codec: .h264)
        #expect(offer.videoPayloadType == 126, "a=fmtp before a=rtpmap still counts; 97 is mode 0")
        #expect(offer.videoFeedback == ["nack pli"])
        #expect(offer.audioPayloadType == nil)
    }

    @Test func anOfferWithoutOurCodecIsRefusedNamingWhatWasOffered() {
        let vp8Only = """
            v=0
            m=video 9 UDP/TLS/RTP/SAVPF 96 97 98
            a=rtpmap:96 VP8/90000
            a=rtpmap:97 rtx/90000
            a=rtpmap:98 H264/90000
            a=fmtp:98 packetization-mode=1;profile-level-id=64001f
            m=audio 9 UDP/TLS/RTP/SAVPF 111
            a=rtpmap:111 opus/48000/2
            """
        #expect(
            throws: ViewerOfferError(
                "the viewer's offer has no H264 video we can send (constrained baseline, packetization-mode=1; it "
                    + "offered VP8 96, H264 98 (64001f, packetization-mode=1)); start robot-webrtc with a --codec the "
                    + "viewer decodes")
        ) { try ViewerOffer(vp8Only, codec: .h264) }
        #expect(throws: ViewerOfferError.self) { try ViewerOffer("v=0\r\nm=audio 9 RTP 111\r\n", codec: .vp8) }
    }

    @Test func constrainedBaselineIsProfile42WithConstraintSet1() {
        for id in ["42e01f", "42c01f", "42E01F", "424015"] {
            #expect(ViewerOffer.Format.isConstrainedBaseline(id), "\(id)")
        }
        for id in ["42001f", "4d001f", "640c1f", "42e0", "zzzzzz"] {
            #expect(!ViewerOffer.Format.isConstrainedBaseline(id), "\(id)")
        }
    }

    @Test func theAnswerGetsBackTheOfferedFeedbackWithoutTransportCC() throws {
        let offer = try ViewerOffer(Self.chromium, codec: .h264)
        let answer = [
            "v=0", "m=video 9 UDP/TLS/RTP/SAVPF 106 107", "a=mid:0", "a=rtpmap:106 H264/90000",
            "a=rtcp-fb:106 transport-cc", "a=rtcp-fb:106 nack", "a=fmtp:106 packetization-mode=1",
            "a=rtpmap:107 rtx/90000", "a=sendonly", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 OPUS/48000/2",
            "a=rtcp-fb:111 transport-cc", "a=sendonly", "",
        ].joined(separator: "\r\n")
        let completed = offer.completing(answer)
        #expect(
            completed
                == [
                    "v=0", "m=video 9 UDP/TLS/RTP/SAVPF 106 107", "a=mid:0", "a=rtpmap:106 H264/90000",
                    "a=rtcp-fb:106 nack", "a=rtcp-fb:106 goog-remb", "a=rtcp-fb:106 ccm fir", "a=rtcp-fb:106 nack pli",
                    "a=fmtp:106 packetization-mode=1", "a=rtpmap:107 rtx/90000", "a=sendonly",
                    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 OPUS/48000/2", "a=rtcp-fb:111 transport-cc",
                    "a=sendonly", "",
                ].joined(separator: "\r\n"))
        #expect(offer.completing(completed) == completed, "nothing to add twice")
    }
}
