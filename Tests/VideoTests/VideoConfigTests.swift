import JSONConfig
@testable import RobotServer
import StrictJSON
import Testing

/// robot-server's `video` section.
@Suite struct VideoConfigTests {
    func parse(_ text: String) throws -> (ServerConfig.Video, [String]) {
        let object = try #require(try JSONParser.parse(text).objectValue)
        var unknown: [String] = []
        let video = try ServerConfig.Video.parse(ConfigReader(object, path: "video"), unknown: &unknown)
        return (video, unknown)
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func iceServersTakeTheBrowsersShape() throws {
        let (video, unknown) = try parse(
            #"{"iceServers":[{"urls":"stun:stun.example.test:3478"},"#
                + #"{"urls":["turn:t.example.test?transport=tcp","turns:t.example.test:5349"],"username":"u","#
                + #""credential":"s3cret","realm":"x"}],"maxViewers":2}"#)
        #expect(video.maxViewers == 2)
        #expect(
            video.iceServers.map(\.urls) == [
                ["stun:stun.example.test:3478"], ["turn:t.example.test?transport=tcp", "turns:t.example.test:5349"],
            ])
        #expect(
            video.iceServers[1].json == [
                "urls": ["turn:t.example.test?transport=tcp", "turns:t.example.test:5349"], "username": "u",
                "credential": "s3cret",
            ])
        #expect(!video.iceServers[1].description.contains("s3cret"), "the credential is redacted")
        #expect(unknown == ["video.iceServers[1].realm"])
        #expect(try parse("{}").0 == ServerConfig.Video(iceServers: [], maxViewers: 4), "defaults: none, 4")
    }

    @Test func mistakesNameTheKey() {
        #expect(
            error(#"{"iceServers":[{"urls":["http://stun.example.test"]}]}"#)?.hasPrefix(
                "video.iceServers[0].urls[0]: \"http://stun.example.test\" is not a STUN or TURN URL") == true)
        #expect(error(#"{"iceServers":[{"urls":[]}]}"#)?.hasPrefix("video.iceServers[0].urls: is required") == true)
        #expect(
            error(#"{"iceServers":[{"urls":"turn:t.example.test"}]}"#)?.contains("needs a username and a credential")
                == true)
        #expect(error(#"{"iceServers":{"urls":"stun:x"}}"#)?.hasPrefix("video.iceServers: must be an array") == true)
        #expect(error(#"{"maxViewers":0}"#)?.hasPrefix("video.maxViewers: must be between 1 and 64") == true)
        #expect(
            error(#"{"maxViewersPerPrincipal":0}"#)?.hasPrefix(
                "video.maxViewersPerPrincipal: must be between 1 and 64") == true)
        #expect(error(#"{"signalingBurst":5}"#)?.hasPrefix("video.signalingBurst: must be between 10 and") == true)
        #expect(
            error(#"{"signalingFramesPerSecond":"20"}"#)?.hasPrefix("video.signalingFramesPerSecond: must be") == true)
    }

    @Test func floodLimitsHaveDefaultsAndCanBeSet() throws {
        let defaults = try parse("{}").0
        #expect(defaults.maxViewersPerPrincipal == 2)
        #expect(defaults.signalingBurst == 100 && defaults.signalingFramesPerSecond == 20)
        let (video, unknown) = try parse(
            #"{"maxViewers":8,"maxViewersPerPrincipal":3,"signalingBurst":50,"signalingFramesPerSecond":5}"#)
        #expect(
            video
                == ServerConfig.Video(
                    maxViewers: 8, maxViewersPerPrincipal: 3, signalingBurst: 50, signalingFramesPerSecond: 5))
        #expect(unknown.isEmpty)
    }
}
