import AWSSigV4
import AsyncHTTPClient
import BrowserControl
import Foundation
import KinesisVideo
import Testing
import TestSupport

/// The KVS model (`Tests/Fixtures/kvs_model.py`) itself: that it verifies SigV4 as AWS does — a correctly signed
/// request passes, anything tampered, expired or unknown is refused with AWS's error — and that its signaling relays
/// like KVS. Requests are signed here with `AWSSigV4` (headers) and `KVSPresignedURL` (query); the model checks them
/// with its own Python implementation of the algorithm, so the two meet only on the wire.
@Suite(.serialized)
struct KVSModelTests {
    let arn = KVSModel.channelARN()

    @Test func controlPlaneVerifiesHeaderSignatures() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make())
        defer { Task { [kvs] in await kvs.stop() } }
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(tlsConfiguration: try KVSTLS.configuration(caFile: kvs.caFile.path)))
        defer { Task { try? await http.shutdown() } }
        let key = try kvs.addCredentials()
        let credentials = key.aws
        let describe = #"{"ChannelName":"sts-pi"}"#

        let good = try await post(http, kvs, "/describeSignalingChannel", describe, credentials)
        #expect(good.status == 200)
        #expect((good.json["ChannelInfo"] as? [String: Any])?["ChannelARN"] as? String == arn.value)

        // The body changed after signing, a wrong secret, a missing or wrong token, a date 20 minutes old.
        let tampered = try await post(
            http, kvs, "/describeSignalingChannel", #"{"ChannelName":"other"}"#, credentials, signedBody: describe)
        #expect(tampered.status == 403 && tampered.code == "SignatureDoesNotMatch")
        var wrongSecret = credentials
        wrongSecret.secretAccessKey += "x"
        let forged = try await post(http, kvs, "/describeSignalingChannel", describe, wrongSecret)
        #expect(forged.status == 403 && forged.code == "SignatureDoesNotMatch")
        var noToken = credentials
        noToken.sessionToken = nil
        let tokenless = try await post(http, kvs, "/describeSignalingChannel", describe, noToken)
        #expect(tokenless.status == 403 && tokenless.code == "UnrecognizedClientException")
        let old = AmzDate(secondsSince1970: AmzDate.now().secondsSince1970 - 20 * 60)
        let stale = try await post(http, kvs, "/describeSignalingChannel", describe, credentials, date: old)
        #expect(stale.status == 403 && stale.code == "InvalidSignatureException")
        var stranger = credentials
        stranger.accessKeyID = "ASIAUNKNOWN0000000"
        let unknown = try await post(http, kvs, "/describeSignalingChannel", describe, stranger)
        #expect(unknown.status == 403 && unknown.code == "UnrecognizedClientException")

        // The operations: endpoints, the ICE config with the Ttl the test sets, a missing channel.
        let endpoints = try await post(
            http, kvs, "/getSignalingChannelEndpoint",
            #"{"ChannelARN":"\#(arn.value)","SingleMasterChannelEndpointConfiguration":{"Protocols":["WSS","HTTPS"],"Role":"MASTER"}}"#,
            credentials)
        let list = endpoints.json["ResourceEndpointList"] as? [[String: String]] ?? []
        #expect(list.map { $0["ResourceEndpoint"] } == [kvs.signalingURL.absoluteString, kvs.endpoint.absoluteString])
        try await kvs.setICETtl(42)
        let ice = try await post(
            http, kvs, "/v1/get-ice-server-config",
            #"{"ChannelARN":"\#(arn.value)","ClientId":"ProducerMaster","Service":"TURN"}"#, credentials)
        let servers = ice.json["IceServerList"] as? [[String: Any]] ?? []
        #expect(servers.count == 1 && servers.first?["Ttl"] as? Int == 42)
        #expect((servers.first?["Uris"] as? [String])?.first?.hasPrefix("turn:127.0.0.1:") == true)
        let missing = try await post(http, kvs, "/describeSignalingChannel", #"{"ChannelName":"nope"}"#, credentials)
        #expect(missing.status == 404 && missing.code == "ResourceNotFoundException")

        // Expired credentials: the signature is right, the key is not valid any more.
        try kvs.expire(key.accessKeyID)
        let expired = try await post(http, kvs, "/describeSignalingChannel", describe, credentials)
        #expect(expired.status == 403 && expired.code == "ExpiredTokenException")
        let refusals = kvs.entries("http").compactMap { $0["error"] as? String }
        #expect(refusals.count == 7)
    }

    @Test func presignedConnectIsVerified() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make())
        defer { Task { [kvs] in await kvs.stop() } }
        let key = try kvs.addCredentials()
        let credentials = key.aws
        func masterURL(_ credentials: AWSCredentials, date: AmzDate = .now()) throws -> URL {
            try KVSPresignedURL.master(
                wss: kvs.signalingURL, arn: arn, credentials: credentials, region: KVSModel.region, date: date)
        }

        let master = try await KVSSocket.connect(try masterURL(credentials), caFile: kvs.caFile, label: "master")
        try await kvs.waitFor("the master's connect") {
            $0["kind"] as? String == "connect" && $0["status"] as? Int == 101
        }
        await master.close()

        // A changed signature, a URL signed 300 s ago (X-Amz-Expires is 299), no token, expired credentials.
        let good = try masterURL(credentials).absoluteString
        let forged = String(good.dropLast()) + (good.hasSuffix("0") ? "1" : "0")
        let old = AmzDate(secondsSince1970: AmzDate.now().secondsSince1970 - 300)
        var noToken = credentials
        noToken.sessionToken = nil
        let refused: [(String, String)] = [
            (forged, "SignatureDoesNotMatch"),
            (try masterURL(credentials, date: old).absoluteString, "AccessDeniedException"),
            (try masterURL(noToken).absoluteString, "UnrecognizedClientException"),
        ]
        for (url, code) in refused {
            await #expect(throws: (any Error).self) {
                try await KVSSocket.connect(URL(string: url)!, caFile: kvs.caFile, label: code)
            }
        }
        try kvs.expire(key.accessKeyID)
        await #expect(throws: (any Error).self) {
            try await KVSSocket.connect(try masterURL(credentials), caFile: kvs.caFile, label: "expired")
        }
        let codes = kvs.entries("connect").filter { $0["status"] as? Int == 403 }.compactMap { $0["error"] as? String }
        #expect(codes == refused.map(\.1) + ["ExpiredTokenException"])
    }

    @Test func newestMasterWinsAndMessagesRelay() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make())
        defer { Task { [kvs] in await kvs.stop() } }
        let key = try kvs.addCredentials()
        let credentials = key.aws
        let first = try await KVSSocket.connect(
            try kvs.masterURL(credentials: key), caFile: kvs.caFile, label: "master-1")
        let viewer = try await KVSSocket.connect(
            try kvs.viewerURL(clientId: "viewer-1", credentials: key), caFile: kvs.caFile, label: "viewer-1")

        // viewer → master and back, base64 payloads untouched.
        let offer = kvsPayload(["type": "offer", "sdp": "v=0\r\n"])
        try await viewer.send(["action": "SDP_OFFER", "messagePayload": offer])
        let delivered = try await first.waitFor("SDP_OFFER")
        #expect(delivered["senderClientId"] as? String == "viewer-1")
        #expect(delivered["messagePayload"] as? String == offer)
        let answer = kvsPayload(["type": "answer", "sdp": "v=0\r\n"])
        try await first.send(["action": "SDP_ANSWER", "recipientClientId": "viewer-1", "messagePayload": answer])
        let answered = try await viewer.waitFor("SDP_ANSWER")
        #expect(answered["senderClientId"] as? String == "" && answered["messagePayload"] as? String == answer)

        // A second master replaces the first, which is closed; the viewer's next message goes to the new one.
        let second = try await KVSSocket.connect(
            try kvs.masterURL(credentials: key), caFile: kvs.caFile, label: "master-2")
        try await first.waitForEnd()
        let candidate = kvsPayload([
            "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0",
            "sdpMLineIndex": 0,
        ])
        try await viewer.send(["action": "ICE_CANDIDATE", "messagePayload": candidate])
        #expect(try await second.waitFor("ICE_CANDIDATE")["messagePayload"] as? String == candidate)
        #expect(first.messages.count == 1)

        // Refusals: over 10 KB, a bad recipient id, not base64 — each a STATUS_RESPONSE, nothing relayed.
        try await second.send([
            "action": "ICE_CANDIDATE", "recipientClientId": "viewer-1",
            "messagePayload": String(repeating: "A", count: 10244), "correlationId": "big",
        ])
        try await second.send(["action": "SDP_ANSWER", "recipientClientId": "bad id!", "messagePayload": answer])
        try await viewer.send(["action": "ICE_CANDIDATE", "messagePayload": "not base64!"])
        let status = try await second.waitFor("STATUS_RESPONSE", count: 2)
        #expect((status["statusResponse"] as? [String: Any])?["errorType"] as? String == "InvalidArgumentException")
        let big = try await second.waitFor("STATUS_RESPONSE")
        #expect((big["statusResponse"] as? [String: Any])?["correlationId"] as? String == "big")
        try await viewer.waitFor("STATUS_RESPONSE")
        #expect(viewer.messages.filter { $0["messageType"] as? String != "STATUS_RESPONSE" }.count == 1)

        // The test's levers: RECONNECT_ICE_SERVER, then GO_AWAY and the close a second later.
        try await kvs.reconnectICEServer()
        try await second.waitFor("RECONNECT_ICE_SERVER")
        try await kvs.goAway()
        try await second.waitFor("GO_AWAY")
        #expect(second.end == nil)
        try await second.waitForEnd(timeout: .seconds(5))
        await viewer.close()
    }

    /// KVS closes a connection that stays silent (no message, no ping) for 10 minutes; the model after `idleTimeout`.
    @Test func silentConnectionIsClosed() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make(), idleTimeout: .milliseconds(500))
        defer { Task { [kvs] in await kvs.stop() } }
        let key = try kvs.addCredentials()
        let master = try await KVSSocket.connect(
            try kvs.masterURL(credentials: key), caFile: kvs.caFile, label: "master")
        #expect(try await master.waitForEnd(timeout: .seconds(10)).contains("goingAway"))
        let timeout = try #require(kvs.entries("timeout").first)
        #expect(timeout["reason"] as? String == "idle" && timeout["role"] as? String == "master")
    }

    /// The test viewer (kvs_viewer.html in Chromium) against the model: it connects with its presigned URL, offers
    /// receive-only video and audio, trickles its candidates, and takes the master's answer and candidates.
    @Test func viewerPageSpeaksKVS() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make())
        defer { Task { [kvs] in await kvs.stop() } }
        let key = try kvs.addCredentials()
        let master = try await KVSSocket.connect(
            try kvs.masterURL(credentials: key), caFile: kvs.caFile, label: "master")
        let chromium = try await Chromium.start()
        defer { Task { await chromium.stop() } }
        let viewer = try await KVSViewerPage.open(
            in: chromium, url: try kvs.viewerURL(clientId: "page-1", credentials: key))
        let offer = try await master.waitFor("SDP_OFFER")
        #expect(offer["senderClientId"] as? String == "page-1")
        let sdp = try #require(kvs.entries("message").first { $0["action"] as? String == "SDP_OFFER" }?["payload"])
        let description = try #require(sdp as? [String: Any])
        #expect(description["type"] as? String == "offer")
        let lines = (description["sdp"] as? String ?? "").split(separator: "\r\n")
        #expect(lines.filter { $0.hasPrefix("m=video") || $0.hasPrefix("m=audio") }.count == 2)
        #expect(lines.filter { $0 == "a=recvonly" }.count == 2)
        try await master.waitFor("ICE_CANDIDATE")

        // An answer it cannot use is reported, a candidate before a usable answer is held, not an error.
        let candidate = kvsPayload([
            "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host", "sdpMid": "0",
            "sdpMLineIndex": 0,
        ])
        try await master.send(["action": "ICE_CANDIDATE", "recipientClientId": "page-1", "messagePayload": candidate])
        try await master.send([
            "action": "SDP_ANSWER", "recipientClientId": "page-1",
            "messagePayload": kvsPayload(["type": "answer", "sdp": "v=0\r\n"]),
        ])
        let deadline = ContinuousClock.now + .seconds(10)
        var stats = try await viewer.stats()
        while stats.errors.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            stats = try await viewer.stats()
        }
        #expect(stats.socket == "open" && stats.received["ICE_CANDIDATE"] == 1 && stats.received["SDP_ANSWER"] == 1)
        #expect(stats.errors.count == 1 && stats.errors.first?.hasPrefix("SDP_ANSWER") == true, "\(stats)")
        await viewer.close()
    }

    // MARK: helpers

    struct Reply {
        var status: Int
        var json: [String: Any]
        /// `x-amzn-ErrorType`, for an error.
        var code: String?
    }

    /// POSTs `body` to the model signed with `credentials` (over `signedBody` instead when given: a tampered request).
    func post(
        _ http: HTTPClient, _ kvs: KVSModel, _ path: String, _ body: String, _ credentials: AWSCredentials,
        date: AmzDate = .now(), signedBody: String? = nil
    ) async throws -> Reply {
        let host = "127.0.0.1:\(kvs.controlPlanePort)"
        let headers = [(name: "Host", value: host), (name: "Content-Type", value: "application/json")]
        let signer = SigV4Signer(credentials: credentials, region: KVSModel.region, service: "kinesisvideo")
        let signed = signer.sign(
            SigV4Request(method: "POST", path: path, headers: headers, body: Array((signedBody ?? body).utf8)),
            date: date)
        var request = HTTPClientRequest(url: "https://\(host)\(path)")
        request.method = .POST
        for header in headers + signed.headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
        request.body = .bytes(Array(body.utf8), length: .known(Int64(body.utf8.count)))
        let response = try await http.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView))) as? [String: Any] ?? [:]
        return Reply(
            status: Int(response.status.code), json: json, code: response.headers.first(name: "x-amzn-ErrorType"))
    }
}
