import Basics
import CredentialProvider
import Testing

/// Parsing the provider's answer, its `Date` header, and keeping secrets out of descriptions.
@Suite struct CredentialResponseTests {
    let now = Timestamp(iso8601: "2026-11-21T11:00:00Z")!

    @Test func parsesTheProvidersFormat() throws {
        let body =
            #"{"credentials":{"accessKeyId":"ASIA1","secretAccessKey":"s3cr3t","sessionToken":"t0k3n","expiration":"2026-11-21T12:00:00Z"}}"#
        let fetched = try CredentialResponse.parse(Array(body.utf8), now: now)
        #expect(fetched.credentials.accessKeyID == "ASIA1")
        #expect(fetched.credentials.secretAccessKey == "s3cr3t")
        #expect(fetched.credentials.sessionToken == "t0k3n")
        #expect(fetched.credentials.expiration == Timestamp(iso8601: "2026-11-21T12:00:00Z"))
        #expect(fetched.validFor == .seconds(3600))
    }

    @Test(arguments: [
        ("{", "not JSON"),
        ("[]", "a JSON array, not an object"),
        (#"{"Credentials":{}}"#, #"no "credentials" object"#),
        (#"{"credentials":{"accessKeyId":"a","secretAccessKey":"s","sessionToken":"t"}}"#, "no credentials.expiration"),
        (
            #"{"credentials":{"accessKeyId":"a","secretAccessKey":"s","sessionToken":"t","expiration":"tomorrow"}}"#,
            "is not an ISO-8601 UTC time"
        ),
        (
            #"{"credentials":{"accessKeyId":"","secretAccessKey":"s","sessionToken":"t","expiration":"2026-11-21T12:00:00Z"}}"#,
            "credentials.accessKeyId is"
        ),
        (
            #"{"credentials":{"accessKeyId":"a","secretAccessKey":"s","sessionToken":"t","expiration":"2026-11-21T10:00:00Z"}}"#,
            "expired at"
        ),
    ])
    func rejectsWhatIsNotCredentials(body: String, message: String) {
        #expect {
            try CredentialResponse.parse(Array(body.utf8), now: now)
        } throws: { error in
            let error = error as? CredentialProviderError
            return error?.kind == .malformedAnswer && error?.message.contains(message) == true
        }
    }

    @Test func readsTheHTTPDateHeader() {
        #expect(HTTPDate.parse("Sat, 21 Nov 2026 11:00:00 GMT") == now)
        #expect(HTTPDate.parse("Sat, 21 Nov 2026 11:00:00 CET") == nil)
        #expect(HTTPDate.parse("2026-11-21T11:00:00Z") == nil)
        #expect(HTTPDate.find(in: ["HTTP/1.1 200 OK", "date: Sat, 21 Nov 2026 11:00:00 GMT", ""]) == now)
        #expect(HTTPDate.find(in: ["HTTP/1.1 200 OK"]) == nil)
        #expect(HTTPDate.find(in: ["Date: Sat, 21 Nov 2026 11:00:00 GMT\r\n"]) == nil, "lines come without CRLF")
    }

    @Test func descriptionsNeverShowTheSecrets() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAKEYID", secretAccessKey: "SECRETVALUE", sessionToken: "TOKENVALUE",
            expiration: now)
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped, "\([credentials])"] {
            for secret in ["ASIAKEYID", "SECRETVALUE", "TOKENVALUE"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
        #expect("\(credentials)".contains("2026-11-21T11:00:00"))
        #expect(
            credentials.environment(region: "eu-west-1", caFile: "/etc/robot/ca.pem") == [
                "AWS_ACCESS_KEY_ID=ASIAKEYID", "AWS_SECRET_ACCESS_KEY=SECRETVALUE", "AWS_SESSION_TOKEN=TOKENVALUE",
                "AWS_DEFAULT_REGION=eu-west-1", "AWS_KVS_CACERT_PATH=/etc/robot/ca.pem",
            ])
    }
}
