import Foundation
import RobotDaemon
import TestSupport
import Testing

/// The `credentials` and `video` sections, and the producer's argv robotd builds from them.
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

    let credentialsSection = #""credentials":{"endpoint":"a","roleAlias":"r","region":"us-west-2"}"#

    @Test func kvsWithRobotWebRTCBuildsTheArgvAndHandsTheCredentialsOverInAFile() throws {
        let config = try load(credentialsSection + #","video":{"kvs":{}}"#)
        #expect(config.video.enabled, "a kvs member turns video on")
        let settings = videoSettings(config)
        #expect(
            settings.command == [
                "/usr/local/bin/robot-webrtc", "--kvs-channel", "sts-pi", "--region", "us-west-2",
                "--aws-credentials-file", "/run/robot/aws-credentials.json", "--kvs-create-channel",
            ])
        #expect(settings.credentialsFile == "/run/robot/aws-credentials.json")
        #expect(settings.supervisionPolicy.handover == .file, "a refresh never restarts robot-webrtc")
    }

    @Test func everyKVSKeyReachesTheArgv() throws {
        let config = try load(
            credentialsSection + #","video":{"credentialsFile":"run/aws.json","kvs":{"channel":"cam-{thingName}","#
                + #""executable":"/opt/bin/robot-webrtc","arguments":["--source","v4l2","--thing-label","{thingName}"],"#
                + #""endpoint":"https://127.0.0.1:4443","caFile":"pki/ca.crt","createChannel":false}},"#
                + #""audio":{"enabled":true,"source":"test","sink":"off"}"#)
        let folder = try #require(config.mqtt.caFile.split(separator: "/pki/").first)
        let settings = videoSettings(config)
        #expect(
            settings.command == [
                "/opt/bin/robot-webrtc", "--kvs-channel", "cam-sts-pi", "--region", "us-west-2",
                "--aws-credentials-file", "\(folder)/run/aws.json", "--kvs-endpoint", "https://127.0.0.1:4443",
                "--kvs-ca-file", "\(folder)/pki/ca.crt", "--source", "v4l2", "--thing-label", "sts-pi",
                "--audio-source", "test", "--audio-sink", "off",
            ])
        #expect(settings.credentialsFile == "\(folder)/run/aws.json")
    }

    @Test func theKVSSampleGetsItsCredentialsInItsEnvironmentAndIsRestartedForNewOnes() throws {
        let config = try load(credentialsSection + #","video":{"kvs":{"producer":"kvs-sample","arguments":["-x"]}}"#)
        let settings = videoSettings(config)
        #expect(settings.command == ["/opt/robot/kvsWebrtcClientMasterGstSample", "sts-pi", "-x"])
        #expect(settings.credentialsFile == nil && settings.supervisionPolicy.handover == .restart)
        #expect(settings.caFile == config.mqtt.caFile, "AWS_KVS_CACERT_PATH is the MQTT CA, as before")
        #expect(settings.region == "us-west-2")
    }

    @Test func aCommandWithCredentialsKeepsTheEnvironmentPath() throws {
        let config = try load(credentialsSection + #","video":{"command":["/opt/robot/producer","{thingName}"]}"#)
        let settings = videoSettings(config)
        #expect(settings.command == ["/opt/robot/producer", "sts-pi"])
        #expect(settings.credentialsFile == nil && settings.supervisionPolicy.handover == .restart)
    }

    @Test(arguments: [
        (#","video":{"command":["p"],"kvs":{}}"#, "video.kvs: give video.command (any producer's argv) or video.kvs"),
        (
            #","video":{"kvs":{"producer":"kvs"}}"#,
            #"video.kvs.producer: unknown producer "kvs"; expected robot-webrtc, kvs-sample"#
        ),
        (#","video":{"kvs":{"channel":"a:b"}}"#, #"video.kvs.channel: "a:b" is not a KVS signaling channel name"#),
        (#","video":{"kvs":{"channel":"{thingName}/x"}}"#, #"video.kvs.channel: "sts-pi/x" is not a KVS"#),
        (#","video":{"kvs":{"channel":"\#(String(repeating: "c", count: 257))"}}"#, "is not a KVS signaling channel"),
        (#","video":{"kvs":{"executable":""}}"#, "video.kvs.executable: must not be empty"),
        (#","video":{"kvs":{"endpoint":"http://x"}}"#, #"video.kvs.endpoint: "http://x" is not an https:// URL"#),
        (
            #","video":{"kvs":{"producer":"kvs-sample","endpoint":"https://x"}}"#,
            "video.kvs.endpoint: is only used with producer robot-webrtc"
        ),
        (
            #","video":{"kvs":{"producer":"kvs-sample","createChannel":true}}"#,
            "video.kvs.createChannel: is only used with producer robot-webrtc"
        ),
        (#","video":{"kvs":{"caFile":"pki/missing.crt"}}"#, "video.kvs.caFile: cannot read"),
        (
            #","video":{"credentialsFile":"a.json","kvs":{"producer":"kvs-sample"}}"#,
            "video.credentialsFile: is only used with video.kvs and producer robot-webrtc"
        ),
        (
            #","video":{"credentialsFile":"a.json","command":["p"]}"#,
            "video.credentialsFile: is only used with video.kvs"
        ),
        (#","video":{"credentialsFile":"run/","kvs":{}}"#, "video.credentialsFile: needs a file name"),
    ])
    func kvsMistakesNameTheKey(sections: String, message: String) {
        #expect {
            try load(credentialsSection + sections)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func kvsNeedsTheCredentialsSection() {
        #expect {
            try load(#""video":{"kvs":{}}"#)
        } throws: { error in
            "\(error)".hasPrefix("video.kvs: needs a credentials section")
        }
    }

    @Test func unknownKeysAreReported() throws {
        let config = try load(
            #""credentials":{"endpoint":"a","roleAlias":"r","region":"x","regoin":"y"},"video":{"enabled":false,"comand":[]}"#
        )
        #expect(config.unknownKeys.sorted() == ["credentials.regoin", "video.comand"])
        let kvs = try load(credentialsSection + #","video":{"kvs":{"chanel":"x"}}"#)
        #expect(kvs.unknownKeys == ["video.kvs.chanel"])
    }
}
