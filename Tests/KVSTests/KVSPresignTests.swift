import AWSSigV4
import Testing

/// SigV4 query-string presigning: AWS's S3 presigned-URL example, every intermediate value, and the shape KVS's
/// signaling WebSocket needs (the channel ARN and the session token in the canonical query, SHA-256 of "").
@Suite struct KVSPresignTests {
    /// "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", S3 API reference: GET
    /// examplebucket/test.txt on 2013-05-24, valid 86400 s, `UNSIGNED-PAYLOAD`.
    @Test func reproducesS3sPresignedURLExample() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "s3")
        let request = SigV4Request(
            method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com")])
        let presigned = signer.presign(
            request, date: AmzDate(secondsSince1970: 1_369_353_600), expires: 86400, payloadHash: "UNSIGNED-PAYLOAD")
        #expect(
            presigned.canonicalRequest == """
                GET
                /test.txt
                X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F\
                aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host
                host:examplebucket.s3.amazonaws.com

                host
                UNSIGNED-PAYLOAD
                """)
        #expect(
            presigned.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04
                """)
        #expect(presigned.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            "https://examplebucket.s3.amazonaws.com/test.txt?" + presigned.queryString == """
                https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\
                AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&\
                X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=\
                aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
                """)
    }

    static let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLXdlc3QtMiJH+test="
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: token)
    static let arn = "arn:aws:kinesisvideo:us-west-2:123456789012:channel/robot-1/1700000000000"
    /// 2026-12-04T23:00:00Z.
    static let date = AmzDate(secondsSince1970: 1_796_425_200)

    /// The master's signaling URL as the KVS SDKs presign it. The signature was computed independently (Python's
    /// hmac and hashlib from the IAM guide's steps), not by this signer.
    @Test func presignsKVSsMasterConnection() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-west-2", service: "kinesisvideo")
        let request = SigV4Request(
            method: "GET", path: "/", query: [("X-Amz-ChannelARN", Self.arn)],
            headers: [("host", "v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com")])
        let presigned = signer.presign(
            request, date: Self.date, expires: 299, payloadHash: SigV4Signer.emptyPayloadHash)
        let lines = presigned.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7)
        #expect(lines[0] == "GET" && lines[1] == "/")
        // Sorted by name: the channel ARN after the algorithm, the token (signed) before SignedHeaders.
        #expect(
            lines[2].split(separator: "&").map { $0.prefix { $0 != "=" } } == [
                "X-Amz-Algorithm", "X-Amz-ChannelARN", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-Security-Token", "X-Amz-SignedHeaders",
            ])
        #expect(
            lines[2].contains(
                "X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A123456789012%3Achannel%2Frobot-1%2F1700000000000&"
            ))
        #expect(
            lines[2].contains(
                "X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLXdlc3QtMiJH%2Btest%3D&"))
        #expect(lines[2].contains("X-Amz-Expires=299&"))
        #expect(lines[3] == "host:v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com" && lines[4].isEmpty)
        #expect(lines[5] == "host")
        #expect(lines[6] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")  // SHA-256 of ""
        #expect(
            presigned.stringToSign.hasPrefix(
                "AWS4-HMAC-SHA256\n20261204T230000Z\n20261204/us-west-2/kinesisvideo/aws4_request\n"))
        #expect(presigned.signature == "786203093960b5c3fad951b52742722060797066be8bcae6dcc5621f8c7d6ce3")
        // The URL keeps the request's own items first and ends with the signature.
        #expect(
            presigned.query.map(\.name) == [
                "X-Amz-ChannelARN", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
            ])
        #expect(presigned.queryString.hasSuffix("&X-Amz-Signature=\(presigned.signature)"))
    }

    /// Long-term keys: no token item, and the signature changes with it.
    @Test func longTermKeysCarryNoToken() {
        var credentials = Self.credentials
        credentials.sessionToken = nil
        let request = SigV4Request(method: "GET", query: [("X-Amz-ChannelARN", Self.arn)], headers: [("host", "h")])
        let without = SigV4Signer(credentials: credentials, region: "us-west-2", service: "kinesisvideo")
            .presign(request, date: Self.date, expires: 299, payloadHash: SigV4Signer.emptyPayloadHash)
        let with = SigV4Signer(credentials: Self.credentials, region: "us-west-2", service: "kinesisvideo")
            .presign(request, date: Self.date, expires: 299, payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(!without.query.contains { $0.name == "X-Amz-Security-Token" })
        #expect(!without.canonicalRequest.contains("Security-Token"))
        #expect(without.signature != with.signature)
    }

    /// Presigning leaves header signing alone: an SQS-style request signs as before (the 24 vectors of AWS's suite
    /// run in SQSTests' `SigV4SuiteTests`).
    @Test func headerSigningIsUnchanged() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-west-2", service: "kinesisvideo")
        let signed = signer.sign(
            SigV4Request(
                method: "POST", path: "/describeSignalingChannel",
                headers: [("Host", "127.0.0.1:8443"), ("Content-Type", "application/json")],
                body: Array(#"{"ChannelName":"robot-1"}"#.utf8)),
            date: Self.date)
        // Independently computed (Python), like the master URL's.
        #expect(signed.signature == "94b328debfc35ab1831d4c0985c86ce8d300bec5ba14c7f4c82a898cf6b1fe06")
        #expect(signed.headers.map(\.name) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
    }

    @Test func credentialsKeepTheirSecretsOutOfEveryDescription() {
        let text = [
            Self.credentials.description, Self.credentials.debugDescription, String(reflecting: Self.credentials),
            {
                var out = ""; dump(Self.credentials, to: &out); return out
            }(),
        ]
        for line in text {
            #expect(line.contains("AKIDEXAMPLE"))
            #expect(!line.contains("EXAMPLEKEY") && !line.contains("IQoJ"), "\(line)")
        }
    }
}
