import AWSSigV4
import Foundation
import KinesisVideo
import StrictJSON
import Testing

/// The signaling WebSocket's messages both ways, their limits, and the presigned URLs a master and a viewer open.
@Suite struct KVSMessageTests {
    static func base64(_ json: String) -> String { Data(json.utf8).base64EncodedString() }

    static func frame(_ type: String, from sender: String = "viewer-1", payload: String) -> String {
        #"{"senderClientId":"\#(sender)","messageType":"\#(type)","messagePayload":"\#(payload)"}"#
    }

    @Test func decodesAViewersOffer() throws {
        let payload = Self.base64(#"{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}"#)
        #expect(
            try KVSMessage.decode(Self.frame("SDP_OFFER", payload: payload))
                == .offer(from: "viewer-1", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"))
    }

    @Test func decodesACandidate() throws {
        let payload = Self.base64(
            #"{"candidate":"candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}"#
        )
        #expect(
            try KVSMessage.decode(Self.frame("ICE_CANDIDATE", from: "v.2_x-y", payload: payload))
                == .candidate(
                    from: "v.2_x-y",
                    KVSCandidate(
                        candidate: "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host", sdpMid: "0", sdpMLineIndex: 0
                    )))
        let bare = Self.base64(#"{"candidate":"","sdpMid":null}"#)
        #expect(
            try KVSMessage.decode(Self.frame("ICE_CANDIDATE", payload: bare))
                == .candidate(from: "viewer-1", KVSCandidate(candidate: "", sdpMid: nil, sdpMLineIndex: nil)))
    }

    /// The service's own events come without a payload (and `senderClientId` empty).
    @Test func decodesTheServicesEvents() throws {
        #expect(try KVSMessage.decode(#"{"senderClientId":"","messageType":"GO_AWAY"}"#) == .goAway)
        #expect(try KVSMessage.decode(#"{"messageType":"RECONNECT_ICE_SERVER"}"#) == .reconnectICEServer)
        let status =
            #"{"senderClientId":"","messageType":"STATUS_RESPONSE","statusResponse":{"correlationId":"c1","#
            + #""errorType":"InvalidArgumentException","statusCode":"400","description":"payload too large"}}"#
        let decoded = try KVSMessage.decode(status)
        #expect(
            decoded
                == .status(
                    KVSStatusResponse(
                        correlationId: "c1", errorType: "InvalidArgumentException", statusCode: "400",
                        statusDescription: "payload too large")))
        if case .status(let response) = decoded {
            #expect(response.description == "status 400 InvalidArgumentException payload too large (correlation c1)")
        }
    }

    @Test(arguments: [
        ("{", "not JSON"),
        ("[]", "a JSON array, not an object"),
        (#"{"messageType":"SDP_ANSWERS"}"#, #"unknown messageType "SDP_ANSWERS""#),
        (#"{"messageType":"SDP_OFFER","messagePayload":"e30="}"#, "SDP_OFFER without a string senderClientId"),
        (frame("SDP_OFFER", from: "", payload: "e30="), "SDP_OFFER: senderClientId is empty"),
        (
            frame("SDP_OFFER", from: "bad id", payload: "e30="),
            #"SDP_OFFER: senderClientId "bad id" has characters outside [a-zA-Z0-9_.-]"#
        ),
        (
            frame("SDP_OFFER", from: String(repeating: "v", count: 257), payload: "e30="),
            "SDP_OFFER: senderClientId is 257 bytes long, more than 256"
        ),
        (#"{"senderClientId":"v","messageType":"SDP_OFFER"}"#, "SDP_OFFER without a string messagePayload"),
        (frame("SDP_OFFER", payload: "%%%"), "SDP_OFFER messagePayload is not base64"),
        (frame("SDP_OFFER", payload: base64("not json")), "SDP_OFFER messagePayload is not base64 of JSON"),
        (frame("SDP_OFFER", payload: base64("[1]")), "SDP_OFFER messagePayload is a JSON array, not an object"),
        (
            frame("SDP_OFFER", payload: base64(#"{"type":"answer","sdp":"v=0"}"#)),
            #"SDP_OFFER payload's type is not "offer""#
        ),
        (frame("SDP_OFFER", payload: base64(#"{"type":"offer"}"#)), "SDP_OFFER payload has no sdp"),
        (frame("ICE_CANDIDATE", payload: base64(#"{"sdpMid":"0"}"#)), "ICE_CANDIDATE payload has no string candidate"),
        (
            frame("ICE_CANDIDATE", payload: base64(#"{"candidate":"c","sdpMLineIndex":-1}"#)),
            "ICE_CANDIDATE payload's sdpMLineIndex is not a whole number ≥ 0"
        ),
    ])
    func refuses(text: String, reason: String) {
        let error = #expect(throws: KVSMessageError.self) { try KVSMessage.decode(text) }
        #expect(error?.reason.hasPrefix(reason) == true, "\(error?.reason ?? "")")
        #expect(error?.reason.contains("\n") == false)
    }

    /// 10240 bytes of base64 pass, 10241 do not (the length is checked before decoding).
    @Test func aPayloadIsAtMost10KBOfBase64() throws {
        func offer(sdpBytes: Int) -> String {
            Self.base64(#"{"type":"offer","sdp":"\#(String(repeating: "a", count: sdpBytes))"}"#)
        }
        let largest = offer(sdpBytes: 7655)
        #expect(largest.utf8.count == 10240)
        #expect(throws: Never.self) { try KVSMessage.decode(Self.frame("SDP_OFFER", payload: largest)) }
        let over = largest + "A"
        let error = #expect(throws: KVSMessageError.self) {
            try KVSMessage.decode(Self.frame("SDP_OFFER", payload: over))
        }
        #expect(error?.reason == "SDP_OFFER messagePayload is 10241 bytes, more than 10240")
    }

    @Test func encodesAnAnswerAndACandidate() throws {
        let answer = try KVSMessage.Outbound.answer(to: "viewer-1", sdp: "v=0\r\n").encoded()
        let json = try JSONParser.parse(answer)
        #expect(json.objectValue?.keys == ["action", "recipientClientId", "messagePayload"])
        #expect(json["action"] == "SDP_ANSWER" && json["recipientClientId"] == "viewer-1")
        let payload = try JSONParser.parse(
            Array(Data(base64Encoded: try #require(json["messagePayload"]?.stringValue))!))
        #expect(payload == ["type": "answer", "sdp": "v=0\r\n"])

        let candidate = KVSCandidate(
            candidate: "candidate:1 1 udp 1 10.0.0.1 9 typ host", sdpMid: "1", sdpMLineIndex: 1)
        let text = try KVSMessage.Outbound.candidate(to: "viewer-1", candidate).encoded()
        let sent = try JSONParser.parse(text)
        #expect(sent["action"] == "ICE_CANDIDATE")
        let sentPayload = try JSONParser.parse(Array(Data(base64Encoded: sent["messagePayload"]!.stringValue!)!))
        #expect(
            sentPayload == ["candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host", "sdpMid": "1", "sdpMLineIndex": 1])
        // What the master sends, a viewer decodes (as the model relays it: the sender's id put in).
        let relayed = Self.frame("ICE_CANDIDATE", from: "master", payload: sent["messagePayload"]!.stringValue!)
        #expect(try KVSMessage.decode(relayed) == .candidate(from: "master", candidate))
        // A viewer's offer names no recipient.
        let offer = try JSONParser.parse(try KVSMessage.Outbound.offer(to: nil, sdp: "v=0").encoded())
        #expect(offer["recipientClientId"] == nil && offer["action"] == "SDP_OFFER")
    }

    @Test func refusesToSendWhatKVSWouldRefuse() {
        let badRecipient = #expect(throws: KVSMessageError.self) {
            try KVSMessage.Outbound.answer(to: "viewer/1", sdp: "v=0").encoded()
        }
        #expect(
            badRecipient?.reason == #"SDP_ANSWER: recipientClientId "viewer/1" has characters outside [a-zA-Z0-9_.-]"#)
        let tooLarge = #expect(throws: KVSMessageError.self) {
            try KVSMessage.Outbound.answer(to: "viewer-1", sdp: String(repeating: "a", count: 8000)).encoded()
        }
        #expect(
            tooLarge?.reason.hasPrefix("SDP_ANSWER messagePayload would be 10704 bytes of base64, more than 10240")
                == true)
    }

    // MARK: The presigned URLs

    @Test func presignsTheMastersURL() throws {
        let url = try KVSPresignedURL.master(
            wss: URL(string: "wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com")!,
            arn: ChannelARN(KVSPresignTests.arn)!, credentials: KVSPresignTests.credentials, region: "us-west-2",
            date: KVSPresignTests.date)
        #expect(
            url.absoluteString == """
                wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com/?X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3A\
                us-west-2%3A123456789012%3Achannel%2Frobot-1%2F1700000000000&X-Amz-Algorithm=AWS4-HMAC-SHA256&\
                X-Amz-Credential=AKIDEXAMPLE%2F20261204%2Fus-west-2%2Fkinesisvideo%2Faws4_request&\
                X-Amz-Date=20261204T230000Z&X-Amz-Expires=299&X-Amz-SignedHeaders=host&X-Amz-Security-Token=\
                IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLXdlc3QtMiJH%2Btest%3D&\
                X-Amz-Signature=786203093960b5c3fad951b52742722060797066be8bcae6dcc5621f8c7d6ce3
                """)
        // The query decodes back to what was signed.
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        #expect(items.first { $0.name == "X-Amz-Security-Token" }?.value == KVSPresignTests.token)
        #expect(items.first { $0.name == "X-Amz-ChannelARN" }?.value == KVSPresignTests.arn)
    }

    /// A viewer's URL on the model: the port is part of the signed host (as the WebSocket client's `Host` header
    /// sends it). Signature computed independently (Python).
    @Test func presignsAViewersURL() throws {
        let url = try KVSPresignedURL.viewer(
            wss: URL(string: "wss://127.0.0.1:8443")!, arn: ChannelARN(KVSPresignTests.arn)!, clientId: "viewer-1",
            credentials: KVSPresignTests.credentials, region: "us-west-2", date: KVSPresignTests.date)
        #expect(url.absoluteString.hasPrefix("wss://127.0.0.1:8443/?X-Amz-ChannelARN=arn%3Aaws%3A"))
        #expect(url.absoluteString.contains("%2F1700000000000&X-Amz-ClientId=viewer-1&X-Amz-Algorithm="))
        #expect(
            url.absoluteString.hasSuffix(
                "&X-Amz-Signature=c074c517b7dccd21b7767bade3ae64cfd7957872cd0658d486a1716b068da9d3"))
    }

    @Test func refusesToPresignAnHTTPSURL() {
        let error = #expect(throws: KVSError.self) {
            try KVSPresignedURL.master(
                wss: URL(string: "https://example.com")!, arn: ChannelARN(KVSPresignTests.arn)!,
                credentials: KVSPresignTests.credentials, region: "us-west-2", date: KVSPresignTests.date)
        }
        #expect(error?.kind == .configuration)
    }
}
