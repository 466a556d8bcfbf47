import AWSSigV4
import Basics
import Foundation
import Glibc
import KinesisVideo
import Testing

/// Where robot-webrtc's credentials come from: the environment (read once) or robotd's file (read on every use).
/// No secret may reach a description or an error.
@Suite struct KVSCredentialsSourceTests {
    static let secret = "SECRET/VALUE+with=signs"
    static let token = "TOKEN/VALUE+with=signs"

    @Test func readsTheEnvironment() throws {
        let source = AWSCredentialsSource.environment([
            "AWS_ACCESS_KEY_ID": "ASIAENV", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token,
        ])
        #expect(
            try source.current()
                == AWSCredentials(accessKeyID: "ASIAENV", secretAccessKey: Self.secret, sessionToken: Self.token))
        #expect(try source.currentWithExpiration().expiration == nil)
        let longTerm = AWSCredentialsSource.environment(["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"])
        #expect(try longTerm.current().sessionToken == nil)
        #expect(!source.description.contains(Self.secret) && source.description.contains("environment"))
    }

    @Test func namesTheMissingVariables() {
        let error = #expect(throws: CredentialsSourceError.self) {
            try AWSCredentialsSource.environment(["AWS_SECRET_ACCESS_KEY": Self.secret]).current()
        }
        #expect(error?.description.contains("AWS_ACCESS_KEY_ID not set") == true)
        #expect(error?.description.contains("AWS_SECRET_ACCESS_KEY") == false)
        let both = #expect(throws: CredentialsSourceError.self) { try AWSCredentialsSource.environment([:]).current() }
        #expect(both?.reason.hasPrefix("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set") == true)
    }

    @Test func readsTheFileAgainOnEveryUse() throws {
        let path = try Self.scratchFile()
        try Self.write(path, accessKeyId: "ASIAONE", expiration: "2026-12-05T00:00:00Z")
        let source = AWSCredentialsSource.file(path)
        let first = try source.currentWithExpiration()
        #expect(
            first.credentials
                == AWSCredentials(accessKeyID: "ASIAONE", secretAccessKey: Self.secret, sessionToken: Self.token))
        #expect(first.expiration == Timestamp(iso8601: "2026-12-05T00:00:00Z"))
        // robotd rewrites the file (rename over it; its times have microseconds): the next use sees the new keys.
        try Self.write(path, accessKeyId: "ASIATWO", expiration: "2026-12-05T01:00:00.250000Z")
        let second = try source.currentWithExpiration()
        #expect(second.credentials.accessKeyID == "ASIATWO")
        #expect(second.expiration == Timestamp(secondsSinceEpoch: 1_796_432_400, nanoseconds: 250_000_000))
        #expect(source.description == "the credentials file \(path)")
    }

    @Test func aMissingFileIsNamed() {
        let error = #expect(throws: CredentialsSourceError.self) {
            try AWSCredentialsSource.file("/nonexistent/aws-credentials.json").current()
        }
        #expect(
            error?.description
                == "AWS credentials from /nonexistent/aws-credentials.json: cannot be read: No such file or directory (ENOENT)"
        )
    }

    @Test(arguments: [
        ("not json", "is not JSON"),
        ("[1]", "is not a JSON object"),
        (#"{"secretAccessKey":"SECRET/VALUE+with=signs"}"#, #"has no "accessKeyId""#),
        (#"{"accessKeyId":"A","secretAccessKey":""}"#, #"has an empty "secretAccessKey""#),
        (#"{"accessKeyId":"A","secretAccessKey":1234}"#, #"has "secretAccessKey" as a JSON number, not a string"#),
        (
            #"{"accessKeyId":"A","secretAccessKey":"SECRET/VALUE+with=signs","sessionToken":["TOKEN/VALUE+with=signs"]}"#,
            #"has "sessionToken" as a JSON array, not a string"#
        ),
        (
            #"{"accessKeyId":"A","secretAccessKey":"SECRET/VALUE+with=signs","expiration":"in an hour"}"#,
            #"has an "expiration" that is not an ISO-8601 UTC time: "in an hour""#
        ),
    ])
    func refusesAMalformedFile(text: String, reason: String) {
        let error = #expect(throws: CredentialsSourceError.self) {
            try AWSCredentialsSource.parse(Array(text.utf8), path: "/run/robot/aws-credentials.json")
        }
        #expect(error?.source == "/run/robot/aws-credentials.json")
        #expect(error?.reason.hasPrefix(reason) == true, "\(error?.reason ?? "")")
        #expect(error?.description.contains("SECRET") == false && error?.description.contains("TOKEN") == false)
    }

    @Test func aFileWithoutTokenOrExpirationIsLongTermKeys() throws {
        let parsed = try AWSCredentialsSource.parse(
            Array(#"{"accessKeyId":"AKIA","secretAccessKey":"s","sessionToken":null}"#.utf8), path: "f")
        #expect(parsed.credentials.sessionToken == nil && parsed.expiration == nil)
    }

    static func scratchFile() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appending(path: "kvs-credentials-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appending(path: "aws-credentials.json").path
    }

    static func write(_ path: String, accessKeyId: String, expiration: String) throws {
        let text = """
            {"accessKeyId":"\(accessKeyId)","secretAccessKey":"\(secret)","sessionToken":"\(token)",\
            "expiration":"\(expiration)"}
            """
        try Data(text.utf8).write(to: URL(filePath: path + ".tmp"))
        #expect(rename(path + ".tmp", path) == 0)
    }
}
