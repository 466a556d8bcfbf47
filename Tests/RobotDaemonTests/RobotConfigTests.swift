import Foundation
import RobotDaemon
import TestSupport
import Testing

@Suite struct RobotConfigTests {
    /// A folder with `certs/` as the original sample lays it out, and `config.json` written into it.
    func folder(config: String) throws -> URL {
        let folder = try ScratchDirectory.make("robot-config")
        let pki = try TestPKI.make()
        let certs = folder.appending(path: "certs")
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: pki.caFile, to: certs.appending(path: "cacert.pem"))
        try FileManager.default.copyItem(at: pki.certFile("sts-pi"), to: certs.appending(path: "certificate.pem"))
        try FileManager.default.copyItem(at: pki.keyFile("sts-pi"), to: certs.appending(path: "private.pem.key"))
        try config.write(to: folder.appending(path: "config.json"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func theOriginalFlatConfigIsAccepted() throws {
        let dir = try folder(
            config: """
                {"IOT_THINGNAME": "sts-pi", "IOT_CORE_ENDPOINT": "abc-ats.iot.us-east-1.amazonaws.com",
                 "IOT_GET_CREDENTIAL_ENDPOINT": "abc.credentials.iot.us-east-1.amazonaws.com",
                 "ROLE_ALIAS": "robot-camera-streaming-role-alias", "AWS_DEFAULT_REGION": "us-east-1"}
                """)
        let config = try RobotConfig.load(path: dir.appending(path: "config.json").path)
        #expect(config.thingName == "sts-pi")
        #expect(config.mqtt.endpoint == "abc-ats.iot.us-east-1.amazonaws.com")
        #expect(config.mqtt.port == 443 && config.mqtt.alpn == "x-amzn-mqtt-ca")
        #expect(config.mqtt.caFile == dir.appending(path: "certs/cacert.pem").path)
        #expect(config.mqtt.keyFile == dir.appending(path: "certs/private.pem.key").path)
        #expect(config.credentials?.roleAlias == "robot-camera-streaming-role-alias")
        #expect(config.credentials?.region == "us-east-1")
        #expect(config.motors.driver == "explorerhat")
        #expect(config.unknownKeys.isEmpty)
        // Video as the original had it, a KVS master on the thing's channel: now robot-webrtc, credentials in a file.
        #expect(config.video.enabled && config.video.kvs?.producer == .robotWebRTC)
        #expect(
            videoSettings(config).command == [
                "/usr/local/bin/robot-webrtc", "--kvs-channel", "sts-pi", "--region", "us-east-1",
                "--aws-credentials-file", "/run/robot/aws-credentials.json", "--kvs-create-channel",
                "--source", "libcamera",
            ])
        // Without the credential endpoint there are no credentials, so no video.
        let driveOnly = try folder(
            config: #"{"IOT_THINGNAME": "sts-pi", "IOT_CORE_ENDPOINT": "abc-ats.iot.us-east-1.amazonaws.com"}"#)
        let plain = try RobotConfig.load(path: driveOnly.appending(path: "config.json").path)
        #expect(plain.credentials == nil && !plain.video.enabled)
        // AWS IoT allows ':' in a thing name, KVS not in a channel name: the robot still drives, video is off, and
        // the start log says why.
        let colon = try folder(
            config: """
                {"IOT_THINGNAME": "fleet:sts-pi", "IOT_CORE_ENDPOINT": "abc-ats.iot.us-east-1.amazonaws.com",
                 "IOT_GET_CREDENTIAL_ENDPOINT": "abc.credentials.iot.us-east-1.amazonaws.com",
                 "ROLE_ALIAS": "robot-camera-streaming-role-alias"}
                """)
        let noVideo = try RobotConfig.load(path: colon.appending(path: "config.json").path)
        #expect(noVideo.thingName == "fleet:sts-pi" && noVideo.credentials != nil && !noVideo.video.enabled)
        #expect(noVideo.warnings.count == 1)
        #expect(noVideo.warnings.first?.contains(#""fleet:sts-pi" is not a KVS signaling channel name"#) == true)
    }

    @Test func defaultsAndRelativePaths() throws {
        let dir = try folder(
            config: #"{"thingName":"sts-pi","mqtt":{"endpoint":"broker.local"},"motors":{"speed":0.7,"typo":1}}"#)
        let config = try RobotConfig.load(path: dir.appending(path: "config.json").path)
        #expect(config.mqtt.port == 8883 && config.mqtt.alpn == nil && config.mqtt.keepAliveSeconds == 30)
        #expect(config.mqtt.certFile == dir.appending(path: "certs/certificate.pem").path)
        #expect(config.motors.driver == "simulated" && config.motors.speed == 0.7 && config.motors.durationMs == 200)
        #expect(config.motors.i2cAddress == 0x60 && config.motors.i2cBus == 1)
        #expect(config.telemetry.heartbeatSeconds == 10)
        #expect(config.video.enabled == false && config.credentials == nil)
        #expect(config.unknownKeys == ["motors.typo"])
        #expect(config.actionTopic == "sts-pi/action" && config.telemetryTopic == "sts-pi/telemetry")
    }

    @Test func theExampleConfigParsesApartFromItsCertificates() throws {
        let example = RepositoryPaths.root.appending(path: "config.json.example")
        let text = try String(contentsOf: example, encoding: .utf8)
        let dir = try folder(config: text)
        let config = try RobotConfig.load(path: dir.appending(path: "config.json").path)
        #expect(config.thingName == "sts-pi")
        #expect(config.motors.driver == "explorerhat")
        #expect(config.credentials?.roleAlias == "robot-camera-streaming-role-alias")
        #expect(config.video.kvs?.producer == .robotWebRTC && !config.video.enabled, "KVS with robot-webrtc, off")
        #expect(config.unknownKeys.isEmpty, "the example documents only real keys: \(config.unknownKeys)")
    }
}
