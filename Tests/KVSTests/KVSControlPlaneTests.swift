import AWSSigV4
import Foundation
import KinesisVideo
import StrictJSON
import Testing

/// The control plane's requests (paths, JSON bodies, signed headers) and the reading of its replies, without a
/// network: ``KVSOperation`` and ``KVSReply`` are pure.
@Suite struct KVSControlPlaneTests {
    static let credentials = KVSPresignTests.credentials
    static let arn = ChannelARN(KVSPresignTests.arn)!
    static let endpoint = URL(string: "https://127.0.0.1:8443")!

    static func request(_ operation: KVSOperation, to endpoint: URL = endpoint) throws -> KVSHTTPRequest {
        try operation.request(
            endpoint: endpoint, credentials: credentials, region: "us-west-2", date: KVSPresignTests.date)
    }

    @Test(arguments: [
        (
            KVSOperation.describeSignalingChannel(name: "robot-1"), "/describeSignalingChannel",
            #"{"ChannelName":"robot-1"}"#
        ),
        (
            .createSignalingChannel(name: "robot-1"), "/createSignalingChannel",
            #"{"ChannelName":"robot-1","ChannelType":"SINGLE_MASTER"}"#
        ),
        (
            .getSignalingChannelEndpoint(arn: arn, role: .master), "/getSignalingChannelEndpoint",
            #"{"ChannelARN":"\#(KVSPresignTests.arn)","SingleMasterChannelEndpointConfiguration":{"Protocols":["WSS","HTTPS"],"Role":"MASTER"}}"#
        ),
        (
            .getSignalingChannelEndpoint(arn: arn, role: .viewer), "/getSignalingChannelEndpoint",
            #"{"ChannelARN":"\#(KVSPresignTests.arn)","SingleMasterChannelEndpointConfiguration":{"Protocols":["WSS","HTTPS"],"Role":"VIEWER"}}"#
        ),
        (
            .getIceServerConfig(arn: arn, clientId: "robot-1-master"), "/v1/get-ice-server-config",
            #"{"ChannelARN":"\#(KVSPresignTests.arn)","ClientId":"robot-1-master","Service":"TURN"}"#
        ),
    ])
    func buildsTheRequest(operation: KVSOperation, path: String, body: String) throws {
        let request = try Self.request(operation)
        #expect(request.url.absoluteString == "https://127.0.0.1:8443" + path)
        #expect(String(decoding: request.body, as: UTF8.self) == body)
        #expect(
            request.headers.map(\.name) == [
                "Host", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "Authorization",
            ])
        #expect(request.headers[0].value == "127.0.0.1:8443" && request.headers[1].value == "application/json")
        let authorization = request.headers[4].value
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/us-west-2/kinesisvideo/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="))
        #expect(request.signed.canonicalRequest.hasPrefix("POST\n\(path)\n\n"))
    }

    /// The signature over a whole request, computed independently (Python).
    @Test func signsLikeAnIndependentImplementation() throws {
        let request = try Self.request(.describeSignalingChannel(name: "robot-1"))
        #expect(request.signed.signature == "94b328debfc35ab1831d4c0985c86ce8d300bec5ba14c7f4c82a898cf6b1fe06")
    }

    @Test func theICEConfigGoesToTheChannelsHTTPSEndpoint() throws {
        let https = URL(string: "https://r-5678.kinesisvideo.us-west-2.amazonaws.com")!
        let request = try Self.request(.getIceServerConfig(arn: Self.arn, clientId: "m"), to: https)
        #expect(
            request.url.absoluteString == "https://r-5678.kinesisvideo.us-west-2.amazonaws.com/v1/get-ice-server-config"
        )
        #expect(request.headers[0].value == "r-5678.kinesisvideo.us-west-2.amazonaws.com")
        #expect(
            KVSControlPlane.defaultEndpoint(region: "us-west-2").absoluteString
                == "https://kinesisvideo.us-west-2.amazonaws.com")
    }

    @Test func refusesAnEndpointThatIsNotHTTPS() {
        let error = #expect(throws: KVSError.self) {
            try Self.request(.describeSignalingChannel(name: "r"), to: URL(string: "ftp://example.com")!)
        }
        #expect(error?.kind == .configuration)
        #expect(
            error?.description
                == #"KVS DescribeSignalingChannel failed: "ftp://example.com" is not an https://host[:port] URL"#)
    }

    @Test func readsTheChannelARN() throws {
        let describe = KVSOperation.describeSignalingChannel(name: "robot-1")
        let body =
            #"{"ChannelInfo":{"ChannelARN":"\#(KVSPresignTests.arn)","ChannelName":"robot-1","ChannelStatus":"ACTIVE","ChannelType":"SINGLE_MASTER"}}"#
        #expect(try KVSReply(status: 200, body: Array(body.utf8)).channelARN(of: describe) == Self.arn)
        let create = KVSOperation.createSignalingChannel(name: "robot-1")
        let created = #"{"ChannelARN":"\#(KVSPresignTests.arn)"}"#
        #expect(try KVSReply(status: 200, body: Array(created.utf8)).channelARN(of: create) == Self.arn)
        let bad = #expect(throws: KVSError.self) {
            try KVSReply(status: 200, body: Array(#"{"ChannelInfo":{"ChannelARN":"robot-1"}}"#.utf8)).channelARN(
                of: describe)
        }
        #expect(bad?.kind == .invalidResponse && bad?.description.contains("not one: \"robot-1\"") == true)
    }

    @Test(arguments: [
        "arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot-1/1700000000000",
        "arn:aws-cn:kinesisvideo:cn-north-1:123456789012:channel/a.b_c-d/1",
    ])
    func acceptsAChannelARN(text: String) {
        #expect(ChannelARN(text)?.value == text)
    }

    @Test(arguments: [
        "", "robot-1", "arn:aws:kinesis:us-west-2:123456789012:channel/robot-1/1",
        "arn:aws:kinesisvideo:us-west-2:12345678901x:channel/robot-1/1",
        "arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot 1/1",
        "arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot-1",
        "arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot-1/x",
    ])
    func refusesWhatIsNotAChannelARN(text: String) {
        #expect(ChannelARN(text) == nil)
    }

    @Test func readsTheEndpoints() throws {
        let operation = KVSOperation.getSignalingChannelEndpoint(arn: Self.arn, role: .master)
        let body = """
            {"ResourceEndpointList":[{"Protocol":"HTTPS","ResourceEndpoint":"https://r-1.kinesisvideo.us-west-2.amazonaws.com"},\
            {"Protocol":"WSS","ResourceEndpoint":"wss://m-2.kinesisvideo.us-west-2.amazonaws.com"}]}
            """
        let endpoints = try KVSReply(status: 200, body: Array(body.utf8)).endpoints(of: operation)
        #expect(endpoints.wss.absoluteString == "wss://m-2.kinesisvideo.us-west-2.amazonaws.com")
        #expect(endpoints.https.absoluteString == "https://r-1.kinesisvideo.us-west-2.amazonaws.com")
        let missing = #expect(throws: KVSError.self) {
            try KVSReply(status: 200, body: Array(#"{"ResourceEndpointList":[]}"#.utf8)).endpoints(of: operation)
        }
        #expect(
            missing?.description == "KVS GetSignalingChannelEndpoint failed: HTTP 200: the reply lists no WSS endpoint")
    }

    @Test func readsTheICEServers() throws {
        let operation = KVSOperation.getIceServerConfig(arn: Self.arn, clientId: "m")
        let body = """
            {"IceServerList":[{"Password":"pw/1=","Ttl":300,"Uris":["turn:127.0.0.1:3478?transport=udp",\
            "turns:127.0.0.1:443?transport=tcp"],"Username":"1700000300:robot"}]}
            """
        let servers = try KVSReply(status: 200, body: Array(body.utf8)).iceServers(of: operation)
        #expect(
            servers == [
                KVSICEServer(
                    uris: ["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:443?transport=tcp"],
                    username: "1700000300:robot", password: "pw/1=", ttl: 300)
            ])
        #expect(!servers[0].description.contains("pw/1="))
        #expect(try KVSReply(status: 200, body: Array(#"{"IceServerList":[]}"#.utf8)).iceServers(of: operation).isEmpty)
        let bad = #expect(throws: KVSError.self) {
            try KVSReply(
                status: 200, body: Array(#"{"IceServerList":[{"Uris":["turn:x"],"Username":"u","Password":"p"}]}"#.utf8)
            )
            .iceServers(of: operation)
        }
        #expect(bad?.kind == .invalidResponse)
    }

    /// AWS's REST-JSON errors: the code in `x-amzn-ErrorType` or `__type`, the message in `message` or `Message`;
    /// 401/403 say "expired or invalid credentials", 404 is a missing channel.
    @Test(
        arguments: [
            (
                404,
                [
                    (
                        "x-amzn-ErrorType",
                        "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.kinesisvideo.v20170930/"
                    )
                ],
                #"{"Message":"The requested channel is not found or not active."}"#, KVSError.Kind.notFound,
                "KVS DescribeSignalingChannel failed: HTTP 404 ResourceNotFoundException: The requested channel is not found or not active. — check the channel name and region, or let robot-webrtc create the channel"
            ),
            (
                403, [],
                #"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
                .credentialsRejected,
                "KVS DescribeSignalingChannel failed: HTTP 403 ExpiredTokenException: The security token included in the request is expired — expired or invalid credentials (or an IAM policy without kinesisvideo:DescribeSignalingChannel)"
            ),
            (
                401, [], "", .credentialsRejected,
                "KVS DescribeSignalingChannel failed: HTTP 401 — expired or invalid credentials (or an IAM policy without kinesisvideo:DescribeSignalingChannel)"
            ),
            (
                400, [("X-Amzn-ErrorType", "ClientLimitExceededException")], #"{"message":"slow down"}"#, .service,
                "KVS DescribeSignalingChannel failed: HTTP 400 ClientLimitExceededException: slow down"
            ),
            (
                503, [], "Service Unavailable", .service,
                "KVS DescribeSignalingChannel failed: HTTP 503: Service Unavailable"
            ),
        ] as [(Int, [(String, String)], String, KVSError.Kind, String)])
    func readsAnError(status: Int, headers: [(String, String)], body: String, kind: KVSError.Kind, text: String) {
        let operation = KVSOperation.describeSignalingChannel(name: "robot-1")
        let reply = KVSReply(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, body: Array(body.utf8))
        let error = #expect(throws: KVSError.self) { try reply.channelARN(of: operation) }
        #expect(error?.kind == kind)
        #expect(error?.httpStatus == status)
        #expect(error?.description == text)
        #expect(error?.isRetryable == (kind != .notFound))
    }

    @Test func aBadCAFileIsNamed() throws {
        let missing = #expect(throws: KVSError.self) { try KVSTLS.configuration(caFile: "/nonexistent/ca.pem") }
        #expect(missing?.kind == .configuration && missing?.message.contains("/nonexistent/ca.pem") == true)
        let path = FileManager.default.temporaryDirectory.appending(path: "kvs-not-a-ca-\(UUID().uuidString).pem")
        try Data("not a certificate\n".utf8).write(to: path)
        let notPEM = #expect(throws: KVSError.self) { try KVSTLS.configuration(caFile: path.path) }
        #expect(notPEM?.kind == .configuration && notPEM?.message.contains(path.path) == true)
        _ = try KVSTLS.configuration(caFile: nil)
    }
}
