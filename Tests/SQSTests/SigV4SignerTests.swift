import AWSSigV4
import Testing

@Suite struct SigV4SignerTests {
    @Test(arguments: [
        (Int64(1_440_938_160), "20150830T123600Z"),
        (0, "19700101T000000Z"),
        (951_782_400, "20000229T000000Z"),
        (1_709_251_199, "20240229T235959Z"),
        (4_102_444_800, "21000101T000000Z"),
        (-1, "19691231T235959Z"),
    ])
    func formatsTheDate(seconds: Int64, text: String) throws {
        let date = AmzDate(secondsSince1970: seconds)
        #expect(date.dateTime == text)
        #expect(date.date == String(text.prefix(8)))
        #expect(try #require(AmzDate(text)).secondsSince1970 == seconds)
    }

    @Test(arguments: ["2015083T123600Z", "20150830T123600", "20150231T000000Z", "20151330T000000Z", "2015O830T123600Z"])
    func rejectsAMalformedDate(text: String) {
        #expect(AmzDate(text) == nil)
    }

    @Test func nowIsAfterThisCodeWasWritten() {
        #expect(AmzDate.now().secondsSince1970 > 1_767_225_600)  // 2026-01-01
    }

    @Test func credentialsDoNotPrintTheirSecrets() {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "s3cr3t", sessionToken: "t0ken")
        #expect(credentials.description.contains("AKIDEXAMPLE"))
        #expect(!credentials.description.contains("s3cr3t"))
        #expect(!credentials.description.contains("t0ken"))
    }

    /// An SQS JSON request as the SQS client signs it: the service name and region land in the scope, the
    /// token is signed, the path segments are encoded.
    @Test func signsAnSQSRequest() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "token"),
            region: "eu-west-1", service: "sqs")
        let request = SigV4Request(
            method: "POST", path: "/111111111111/a queue",
            headers: [
                ("Host", "sqs.eu-west-1.amazonaws.com"), ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AmazonSQS.SendMessage"),
            ], body: Array(#"{"QueueUrl":"q"}"#.utf8))
        let signed = signer.sign(request, date: AmzDate(secondsSince1970: 1_440_938_160))
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/111111111111/a%20queue")
        #expect(lines[9] == "content-type;host;x-amz-date;x-amz-security-token;x-amz-target")
        #expect(signed.stringToSign.contains("\n20150830/eu-west-1/sqs/aws4_request\n"))
        #expect(signed.headers.map(\.name) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        // Same input, same signature; another secret, another one.
        #expect(signer.sign(request, date: AmzDate(secondsSince1970: 1_440_938_160)).signature == signed.signature)
        var other = signer
        other.credentials.secretAccessKey = "other"
        #expect(other.sign(request, date: AmzDate(secondsSince1970: 1_440_938_160)).signature != signed.signature)
    }
}
