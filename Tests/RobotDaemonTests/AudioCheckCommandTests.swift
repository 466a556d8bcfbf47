import Foundation
import TestSupport
import Testing

/// `robotd check` with an `audio` section: the line says what robot-webrtc gets, or that audio is off; a section
/// meant for another producer fails the configuration line. Runs the built robotd (no broker: that line fails).
@Suite(.timeLimit(.minutes(2))) struct AudioCheckCommandTests {
    func check(audio: String, producer: String = "/usr/local/bin/robot-webrtc") async throws -> [String] {
        let folder = try ScratchDirectory.make("audio-check")
        let pki = try TestPKI.make()
        try FileManager.default.createSymbolicLink(at: folder.appending(path: "pki"), withDestinationURL: pki.directory)
        let text = """
            {"thingName":"sts-pi",
             "mqtt":{"endpoint":"localhost","port":\(try FreePort.next()),"caFile":"pki/ca.crt",\
            "certFile":"pki/sts-pi.crt","keyFile":"pki/sts-pi.key","connectTimeoutSeconds":2},
             "video":{"enabled":true,"command":["\(producer)","--thing","{thingName}"]},
             "audio":\(audio)}
            """
        let file = folder.appending(path: "config.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            try RepositoryPaths.product("robotd").path, ["check", "--config", file.path], timeout: .seconds(60))
        return result.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test func theAudioLineSaysWhatRobotWebRTCGets() async throws {
        let lines = try await check(
            audio: #"{"enabled":true,"source":"alsa","device":"plughw:1,0","sink":"pulse","echoCancel":true}"#)
        let expected =
            "✓ audio: robot-webrtc gets --audio-source alsa --audio-device plughw:1,0 --audio-sink pulse "
            + "--echo-cancel (robot-webrtc check lists the audio devices)"
        #expect(lines.contains(expected), "\(lines)")
        let off = try await check(audio: #"{"enabled":false,"source":"test"}"#)
        #expect(off.contains("- audio: audio.enabled is false"), "\(off)")
    }

    @Test func aSectionForAnotherProducerFailsTheConfiguration() async throws {
        let lines = try await check(
            audio: #"{"enabled":true}"#, producer: "/opt/robot/kvsWebrtcClientMasterGstSample")
        #expect(
            lines.first?.hasPrefix(
                #"✗ configuration: audio.enabled: audio needs robot-webrtc as the producer, but video.command runs "kvsWebrtcClientMasterGstSample""#
            ) == true, "\(lines)")
    }
}
