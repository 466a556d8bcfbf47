import Basics
import Foundation
import JSONConfig
@testable import RobotServer
import SignalingProtocol
import StrictJSON
import TestSupport
import Testing

/// Short-lived TURN credentials (`video.turn`): the HMAC, the user name and expiry, the config's errors, the secret
/// kept out of every text, and which frames carry minted servers. Pure: no process, no socket, time passed in.
@Suite struct TURNCredentialTests {
    static let secret = "north-star-secret"
    static let minter = TURNCredentialMinter(
        TURNConfig(
            urls: ["turn:turn.example.test:3478?transport=udp"], secret: TURNSecret(secret.utf8),
            secretFile: "/etc/s", ttlSeconds: 86_400))
    static let stun = ICEServer(urls: ["stun:stun.example.test:3478"])

    static func at(_ seconds: Int64) -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: seconds * 1_000_000_000 + 250_000_000)
    }

    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    // MARK: minting

    /// RFC 2202's HMAC-SHA1 test cases, through the function that makes every credential (base64 of the digest).
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3"
        ),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        (
            [UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        ),
        (
            [UInt8](repeating: 0xaa, count: 80),
            Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"
        ),
    ])
    func credentialIsBase64OfHMACSHA1(key: [UInt8], message: [UInt8], digest: String) {
        #expect(
            TURNCredentialMinter.credential(key: key, username: message)
                == Data(Self.bytes(digest)).base64EncodedString())
    }

    @Test func usernameIsExpiryColonPeerAndTheCredentialItsHMAC() {
        let minted = Self.minter.credentials(for: "viewer-1", now: Self.at(1_700_000_000))
        #expect(minted.username == "1700086400:viewer-1")
        #expect(minted.expires == 1_700_086_400)
        // `printf '1700086400:viewer-1' | openssl dgst -sha1 -hmac north-star-secret -binary | base64`
        #expect(minted.credential == "albWTKhXB3Rg9R1Hc1twSrdAfzM=")
        let server = Self.minter.iceServer(for: "viewer-1", now: Self.at(1_700_000_000))
        #expect(
            server
                == ICEServer(
                    urls: ["turn:turn.example.test:3478?transport=udp"], username: "1700086400:viewer-1",
                    credential: "albWTKhXB3Rg9R1Hc1twSrdAfzM="))
        // A second later, or for another peer: other credentials.
        #expect(Self.minter.credentials(for: "viewer-1", now: Self.at(1_700_000_001)).credential != minted.credential)
        #expect(Self.minter.credentials(for: "viewer-2", now: Self.at(1_700_000_000)).credential != minted.credential)
        // Before 1970 (a broken clock) the expiry is still `now + ttl`, rounded down.
        #expect(Self.minter.credentials(for: "p", now: Self.at(-100_000)).username == "-13600:p")
    }

    // MARK: config

    func parse(_ turn: String, secretFile: String? = nil, mode: Int = 0o600) throws -> ServerConfig.Video {
        let folder = try ScratchDirectory.make("turn-config")
        if let secretFile {
            let file = folder.appending(path: "turn-secret")
            try Data(secretFile.utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        }
        let object = try #require(try JSONParser.parse(#"{"turn":\#(turn)}"#).objectValue)
        var unknown: [String] = []
        var video = try ServerConfig.Video.parse(
            ConfigReader(object, path: "video"), directory: folder.path, unknown: &unknown)
        video.warnings += unknown.map { "unknown \($0)" }
        return video
    }

    func error(_ turn: String, secretFile: String? = "s3cret\n") -> String {
        do {
            let video = try parse(turn, secretFile: secretFile)
            return "no error: \(video)"
        } catch {
            return "\(error)"
        }
    }

    static let urls = #""urls":["turn:127.0.0.1:3478?transport=udp","turns:t.example.test:5349"]"#

    @Test func theSecretFileIsReadWithoutItsLineBreakAndTheTTLDefaultsToADay() throws {
        let video = try parse(#"{\#(Self.urls),"secretFile":"turn-secret"}"#, secretFile: "s3cret\r\n")
        let turn = try #require(video.turn)
        #expect(turn.urls == ["turn:127.0.0.1:3478?transport=udp", "turns:t.example.test:5349"])
        #expect(turn.secret == TURNSecret("s3cret".utf8))
        #expect(turn.ttlSeconds == 86_400)
        #expect(turn.secretFile.hasSuffix("/turn-secret"))
        #expect(video.warnings.isEmpty)
        let week = try parse(#"{\#(Self.urls),"secretFile":"turn-secret","ttlSeconds":604800}"#, secretFile: "s")
        #expect(week.turn?.ttlSeconds == 604_800)
    }

    @Test func aSecretFileAnyUserMayReadIsWarnedAbout() throws {
        let video = try parse(#"{\#(Self.urls),"secretFile":"turn-secret"}"#, secretFile: "s3cret", mode: 0o644)
        #expect(video.turn != nil)
        #expect(video.warnings.count == 1)
        #expect(video.warnings.first?.contains("video.turn.secretFile") == true)
        #expect(video.warnings.first?.contains("mode 644") == true)
        #expect(video.warnings.first?.contains("s3cret") == false)
        // Readable by its group only, as the installed server.json is (robot-server reads both through its group).
        let group = try parse(#"{\#(Self.urls),"secretFile":"turn-secret"}"#, secretFile: "s3cret", mode: 0o640)
        #expect(group.turn != nil && group.warnings.isEmpty)
    }

    @Test func configErrorsNameTheKey() throws {
        let file = #""secretFile":"turn-secret""#
        #expect(
            error(#"{\#(file)}"#)
                == #"video.turn.urls: is required: e.g. ["turn:turn.example.com:3478?transport=udp"]"#)
        #expect(error(#"{"urls":[],\#(file)}"#).hasPrefix("video.turn.urls: is required"))
        #expect(
            error(#"{"urls":["stun:stun.example.test"],\#(file)}"#)
                .hasPrefix(#"video.turn.urls[0]: "stun:stun.example.test" is not a TURN URL; expected turn:"#))
        #expect(error(#"{"urls":["turn:a","http://b"],\#(file)}"#).hasPrefix(#"video.turn.urls[1]: "http://b" is not"#))
        #expect(error(#"{\#(Self.urls)}"#).hasPrefix("video.turn.secretFile: is required"))
        let missing = error(#"{\#(Self.urls),"secretFile":"nope"}"#)
        #expect(missing.hasPrefix("video.turn.secretFile: cannot read /"), "\(missing)")
        #expect(missing.contains("/nope: No such file or directory"), "\(missing)")
        let empty = error(#"{\#(Self.urls),\#(file)}"#, secretFile: "\n")
        #expect(empty.hasPrefix("video.turn.secretFile: /") && empty.contains("turn-secret is empty"), "\(empty)")
        #expect(
            error(#"{\#(Self.urls),\#(file),"ttlSeconds":59}"#)
                == "video.turn.ttlSeconds: must be between 60 and 604800, got 59")
        #expect(
            error(#"{\#(Self.urls),\#(file),"ttlSeconds":604801}"#)
                == "video.turn.ttlSeconds: must be between 60 and 604800, got 604801")
        #expect(error(#"{\#(Self.urls),\#(file),"ttlSeconds":"1h"}"#).hasPrefix("video.turn.ttlSeconds: "))
        // The secret itself never goes in the config.
        #expect(
            error(#"{\#(Self.urls),"secret":"s3cret"}"#)
                .hasPrefix("video.turn: the TURN secret is not written in the config"))
        // Other unknown keys are listed (warned at start), as everywhere in the config.
        let typo = try parse(#"{\#(Self.urls),\#(file),"ttl":60}"#, secretFile: "s3cret")
        #expect(typo.warnings == ["unknown video.turn.ttl"])
    }

    @Test func theSecretIsInNoDescription() throws {
        let video = try parse(#"{\#(Self.urls),"secretFile":"turn-secret"}"#, secretFile: "hunter2-turn-secret")
        let turn = try #require(video.turn)
        var dumped = ""
        dump(video, to: &dumped)
        let texts = [
            "\(video)", String(reflecting: video), "\(turn)", String(reflecting: turn), "\(turn.secret)",
            String(reflecting: turn.secret), dumped,
        ]
        for text in texts {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect("\(turn)".contains("turn-secret"), "the description names the file")
        // A configuration error names the file, not what is in it.
        let error = error(#"{\#(Self.urls),"secretFile":"turn-secret","ttlSeconds":1}"#, secretFile: "hunter2")
        #expect(!error.contains("hunter2") && error.hasPrefix("video.turn.ttlSeconds"))
    }

    // MARK: frames

    func room() -> SignalingState {
        SignalingState(thing: "sts-pi", iceServers: [Self.stun], maxViewers: 4, turn: Self.minter)
    }

    func welcomeServers(_ actions: [SignalingState.Action], to peer: String) -> [ICEServer]? {
        for case .send(peer, .welcome(_, _, let servers)) in actions { return servers }
        return nil
    }

    func viewerJoined(_ actions: [SignalingState.Action], to producer: String) -> [(String, [ICEServer]?)] {
        actions.compactMap { action in
            guard case .send(producer, .viewerJoined(let viewer, let servers)) = action else { return nil }
            return (viewer, servers)
        }
    }

    @Test func everyWelcomeListsTheStaticServersThenFreshMintedOnes() throws {
        var state = room()
        let first = welcomeServers(state.join("viewer-1", as: .viewer, at: Self.at(1_000)), to: "viewer-1")
        #expect(first == [Self.stun, Self.minter.iceServer(for: "viewer-1", now: Self.at(1_000))])
        #expect(first?.last?.username == "87400:viewer-1")
        _ = state.leave("viewer-1")
        // Reconnecting is a new welcome with new credentials.
        let again = welcomeServers(state.join("viewer-1", as: .viewer, at: Self.at(5_000)), to: "viewer-1")
        #expect(again == [Self.stun, Self.minter.iceServer(for: "viewer-1", now: Self.at(5_000))])
        #expect(again != first)
        let producer = welcomeServers(state.join("producer-1", as: .producer, at: Self.at(6_000)), to: "producer-1")
        #expect(producer == [Self.stun, Self.minter.iceServer(for: "producer-1", now: Self.at(6_000))])
        // The wire form: the static server, then urls, username, credential.
        let frame = ServerFrame.welcome(peer: "viewer-1", role: .viewer, iceServers: try #require(again))
        #expect(
            frame.text
                == #"{"type":"welcome","peer":"viewer-1","role":"viewer","#
                + #""iceServers":[{"urls":["stun:stun.example.test:3478"]},"#
                + #"{"urls":["turn:turn.example.test:3478?transport=udp"],"username":"91400:viewer-1","#
                + #""credential":"\#(Self.minter.credentials(for: "viewer-1", now: Self.at(5_000)).credential)"}]}"#)
    }

    @Test func theProducerGetsFreshCredentialsForEachViewer() {
        var state = room()
        _ = state.join("viewer-1", as: .viewer, at: Self.at(1_000))
        // Viewers waiting when the producer connects: one viewer-joined each, minted then.
        let joined = viewerJoined(state.join("producer-1", as: .producer, at: Self.at(2_000)), to: "producer-1")
        let atJoin = [Self.stun, Self.minter.iceServer(for: "producer-1", now: Self.at(2_000))]
        #expect(joined.count == 1 && joined.first?.0 == "viewer-1" && joined.first?.1 == atJoin)
        // Days later, a new viewer: the producer's credentials for it are minted now, not at its welcome.
        let later = viewerJoined(state.join("viewer-2", as: .viewer, at: Self.at(900_000)), to: "producer-1")
        #expect(later.first?.1 == [Self.stun, Self.minter.iceServer(for: "producer-1", now: Self.at(900_000))])
        #expect(later.first?.1?.last?.username == "986400:producer-1")
    }

    @Test func withoutTURNNothingIsMintedAndViewerJoinedStaysAsItWas() {
        var state = SignalingState(thing: "sts-pi", iceServers: [Self.stun], maxViewers: 4)
        #expect(
            welcomeServers(state.join("producer-1", as: .producer, at: Self.at(1)), to: "producer-1") == [Self.stun])
        let joined = state.join("viewer-1", as: .viewer, at: Self.at(2))
        #expect(welcomeServers(joined, to: "viewer-1") == [Self.stun])
        #expect(joined.contains(.send("producer-1", ["type": "viewer-joined", "viewer": "viewer-1"])))
    }

    @Test func theProducerReadsTheViewersServersWhenPresent() throws {
        let servers = [Self.stun, Self.minter.iceServer(for: "producer-1", now: Self.at(2_000))]
        let frame = ServerFrame.viewerJoined(viewer: "viewer-1", iceServers: servers)
        #expect(try SignalingMessage.parse(frame.text) == .viewerJoined(viewer: "viewer-1", iceServers: servers))
        #expect(
            try SignalingMessage.parse(#"{"type":"viewer-joined","viewer":"v"}"#)
                == .viewerJoined(viewer: "v", iceServers: nil))
        #expect(
            try SignalingMessage.parse(#"{"type":"viewer-joined","viewer":"v","iceServers":null}"#)
                == .viewerJoined(viewer: "v"))
        #expect(throws: SignalingMessageError("viewer-joined.iceServers: expected an array, got string")) {
            try SignalingMessage.parse(#"{"type":"viewer-joined","viewer":"v","iceServers":"turn:x"}"#)
        }
        #expect(
            throws: SignalingMessageError(
                "viewer-joined.iceServers[0].urls: expected a string or an array of strings, got nothing")
        ) {
            try SignalingMessage.parse(#"{"type":"viewer-joined","viewer":"v","iceServers":[{}]}"#)
        }
    }
}
