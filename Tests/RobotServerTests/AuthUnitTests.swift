import Foundation
@testable import RobotServer
import Testing

/// The pieces of authentication that need no server: token digests, robot sets, JWT headers, ids.
@Suite struct AuthUnitTests {
    @Test func staticTokensMatchByDigestOnly() throws {
        let digest = try #require(Hex.bytes(ServerHarness.sha256("s3cret")))
        let tokens = StaticTokens(tokens: [.init(sha256: digest, robots: .some(["sts-pi"]), name: "home")])
        #expect(tokens.principal(for: "s3cret") == Principal(kind: .token, name: "home", robots: .some(["sts-pi"])))
        #expect(tokens.principal(for: "s3cret ") == nil)
        #expect(tokens.principal(for: Substring(ServerHarness.sha256("s3cret"))) == nil, "the digest is not the token")
    }

    @Test func digestsCompareInConstantTimeButCorrectly() {
        let a: [UInt8] = Array(repeating: 7, count: 32)
        var b = a
        #expect(StaticTokens.constantTimeEqual(a, b))
        b[31] ^= 1
        #expect(!StaticTokens.constantTimeEqual(a, b))
        #expect(!StaticTokens.constantTimeEqual(a, Array(a.prefix(31))))
    }

    @Test func robotSets() {
        #expect(RobotSet(["*"]) == .all && RobotSet(["a", "*"]) == .all)
        #expect(RobotSet(["a"]).allows("a") && !RobotSet(["a"]).allows("b"))
        #expect(RobotSet(["a"]) + RobotSet(["b"]) == .some(["a", "b"]))
        #expect(RobotSet(["a"]) + .all == .all)
        #expect("\(RobotSet(["b", "a"]))" == "a, b" && "\(RobotSet.all)" == "every robot")
    }

    @Test func hexRoundTrips() {
        #expect(Hex.bytes("00ffAB") == [0, 255, 171])
        #expect(Hex.bytes("0") == nil && Hex.bytes("zz") == nil)
        #expect(Hex.string([0, 255, 171]) == "00ffab")
    }

    @Test func jwtHeadersAreReadBeforeVerification() async throws {
        let key = TestIdentityProvider.key("kid-7")
        let token = try await TestIdentityProvider.token(TestIdentityProvider.claims(), key: key)
        let header = try JWTHeaderFields(token: Substring(token))
        #expect(header.keyID == "kid-7" && header.algorithm == "ES256")
        #expect(JWTHeaderFields.looksLikeJWT(Substring(token)) && !JWTHeaderFields.looksLikeJWT("abc"))
        #expect(throws: AuthFailure.self) { try JWTHeaderFields(token: "!!!.x.y") }
    }

    @Test func generatedIDsAreShortAndDistinct() {
        let ids = (0..<100).map { _ in CommandBody.newID() }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.hasPrefix("srv-") && $0.count == 20 })
    }

    @Test func theServerAddsAnIDOnlyWhenTheCommandHasNone() throws {
        let plain = try CommandBody(bytes: Array(#"{"action":"forward","x":[1]}"#.utf8)).validate()
        #expect(plain.id.hasPrefix("srv-"))
        #expect(String(decoding: plain.payload, as: UTF8.self) == #"{"action":"forward","x":[1],"id":"\#(plain.id)"}"#)
        let own = try CommandBody(bytes: Array(#"{"action":"stop","id":"mine"}"#.utf8)).validate()
        #expect(own.id == "mine" && own.payload == Array(#"{"action":"stop","id":"mine"}"#.utf8))
    }
}
