import Foundation
import RobotDaemon
import TestSupport
import Testing

/// The `credentials` and `video` sections.
@Suite struct RobotConfigVideoTests {
    func load(_ sections: String) throws -> RobotConfig {
        let folder = try ScratchDirectory.make("video-config")
        let pki = try TestPKI.make()
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let text = """
            {"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"pki/ca.crt","certFile":"pki/sts-pi.crt",\
            "keyFile":"pki/sts-pi.key"},\(sections)}
            """
        let file = folder.appending(path: "config.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try RobotConfig.load(path: file.path)
    }

    func credentials(_ endpoint: String, extra: String = "") throws -> RobotConfig.Credentials? {
        try load(#""credentials":{"endpoint":"\#(endpoint)","roleAlias":"r","region":"eu-west-1"\#(extra)}"#)
            .credentials
    }

    @Test(arguments: [
        ("abc.credentials.iot.eu-west-1.amazonaws.com", "abc.credentials.iot.eu-west-1.amazonaws.com", 443),
        ("localhost:8443", "localhost", 8443),
        ("https://localhost:8443", "localhost", 8443),
        ("https://abc.credentials.iot.eu-west-1.amazonaws.com/", "abc.credentials.iot.eu-west-1.amazonaws.com", 443),
    ])
    func theEndpointMayCarryASchemeAndAPort(endpoint: String, host: String, port: Int) throws {
        let parsed = try #require(try credentials(endpoint))
        #expect(parsed.endpoint == host && parsed.port == port)
    }

    @Test func aPortKeyWinsAndDefaultsAreSensible() throws {
        let parsed = try #require(try credentials("localhost:8443", extra: #","port":9443"#))
        #expect(parsed.port == 9443)
        #expect(parsed.connectTimeoutSeconds == 5 && parsed.timeoutSeconds == 10)
        #expect(parsed.retryInitialMs == 1000 && parsed.retryMaxMs == 300_000)
        let video = try load(#""video":{"command":["/opt/robot/producer","{thingName}"]}"#).video
        #expect(video.enabled, "a command turns video on")
        #expect(video.restartInitialMs == 1000 && video.restartMaxMs == 60_000 && video.stopTimeoutSeconds == 5)
    }

    @Test(arguments: [
        (#""credentials":{"endpoint":"localhost:0","roleAlias":"r","region":"x"}"#, "credentials.endpoint:"),
        (#""credentials":{"endpoint":"https://a/b","roleAlias":"r","region":"x"}"#, "is not a host name"),
        (#""credentials":{"endpoint":"a","region":"x"}"#, "credentials.roleAlias: is required"),
        (
            #""credentials":{"endpoint":"a","roleAlias":"r","region":"x","timeoutSeconds":1,"connectTimeoutSeconds":5}"#,
            "credentials.timeoutSeconds: must be between 5 and 300"
        ),
        (#""video":{"enabled":true,"command":[]}"#, "video.command: is required when video is enabled"),
        (#""video":{"enabled":true,"command":[""]}"#, "video.command: is required when video is enabled"),
        (#""video":{"command":["p"],"restartInitialMs":5}"#, "video.restartInitialMs: must be between 10"),
        (#""video":{"command":["p"],"stopTimeoutSeconds":0}"#, "video.stopTimeoutSeconds: must be between 1 and 120"),
    ])
    func mistakesNameTheKey(sections: String, message: String) {
        #expect {
            try load(sections)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func unknownKeysAreReported() throws {
        let config = try load(
            #""credentials":{"endpoint":"a","roleAlias":"r","region":"x","regoin":"y"},"video":{"enabled":false,"comand":[]}"#
        )
        #expect(config.unknownKeys.sorted() == ["credentials.regoin", "video.comand"])
    }
}
