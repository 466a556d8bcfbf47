import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// A JWKS fetched over HTTPS from a real TLS server (trusting the test CA through `auth.jwt.caFile`),
    /// cached, and fetched again when a token names a key id it does not hold — at most once per
    /// `minRefetchSeconds`.
    @Suite(.timeLimit(.minutes(2))) struct JWKSRotationTests {
        typealias IdP = TestIdentityProvider

        @Test func aRotatedKeyIsPickedUpAndUnknownKeyIDsAreRateLimited() async throws {
            let pki = try TestPKI.make()
            let first = IdP.key("2026-01")
            let second = IdP.key("2026-02")
            let jwks = try await JWKSServer.start(pki: pki, jwks: IdP.jwks([first]))
            defer { jwks.stop() }
            let auth = IdP.auth(
                jwks: #""jwksUrl":"\#(jwks.url)","caFile":"pki/ca.crt""#, extra: #""minRefetchSeconds":30"#)
            let harness = try await ServerHarness.start(robotd: false, auth: auth)
            defer { Task { await harness.stop() } }
            // Fetched once as the server starts (in the background: an unreachable provider must not hold it up).
            let deadline = ContinuousClock.now + .seconds(5)
            while jwks.fetches == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(jwks.fetches == 1, "fetched once at start")

            let old = try await IdP.token(IdP.claims(), key: first)
            #expect(try await harness.post("/publish", #"{"action":"stop"}"#, token: old).status == 202)
            #expect(jwks.fetches == 1, "served from the cache")

            // The provider rotates: the old key is retired, a new one signs.
            jwks.serve(IdP.jwks([second]))
            let new = try await IdP.token(IdP.claims(), key: second)
            let rotated = try await harness.post("/publish", #"{"action":"stop"}"#, token: new)
            #expect(rotated.status == 202, "\(rotated)")
            #expect(jwks.fetches == 2, "the unknown kid caused one fetch")

            // The retired key no longer verifies, and made-up key ids do not cause more fetches.
            let retired = try await harness.post("/publish", #"{"action":"forward"}"#, token: old)
            harness.expectError(retired, status: 401, error: "unauthorized", detail: #"unknown key id "2026-01""#)
            let madeUp = try await IdP.token(IdP.claims(), key: IdP.key("zzz"))
            for _ in 0..<3 {
                let answer = try await harness.post("/publish", #"{"action":"forward"}"#, token: madeUp)
                #expect(answer.status == 401, "\(answer)")
            }
            #expect(jwks.fetches == 2, "fetches after unknown key ids are rate-limited")
            #expect(try await harness.post("/publish", #"{"action":"stop"}"#, token: new).status == 202)
        }

        @Test func withoutTheProvidersKeysJWTsAre503AndStaticTokensStillWork() async throws {
            let port = try FreePort.next()  // nothing listens there
            let auth = IdP.auth(
                jwks: #""jwksUrl":"https://localhost:\#(port)/jwks.json","caFile":"pki/ca.crt""#,
                extra: #""minRefetchSeconds":0"#)
            let harness = try await ServerHarness.start(robotd: false, auth: auth)
            defer { Task { await harness.stop() } }
            let token = try await IdP.token(IdP.claims(), key: IdP.key("k1"))
            let mark = harness.mark
            let answer = try await harness.post("/publish", #"{"action":"forward"}"#, token: token)
            harness.expectError(
                answer, status: 503, error: "authentication unavailable", detail: "keys are not available")
            try await harness.expectNothingPublished(since: mark)
        }

        @Test func theJWKSServerMustBeTrusted() async throws {
            let pki = try TestPKI.make()
            let key = IdP.key("k1")
            let jwks = try await JWKSServer.start(pki: pki, jwks: IdP.jwks([key]))
            defer { jwks.stop() }
            // No caFile: the system's roots do not know the throwaway CA, so the fetch fails and JWTs cannot pass.
            let auth = IdP.auth(jwks: #""jwksUrl":"\#(jwks.url)""#)
            let harness = try await ServerHarness.start(robotd: false, auth: auth)
            defer { Task { await harness.stop() } }
            let answer = try await harness.post(
                "/publish", #"{"action":"forward"}"#, token: IdP.token(IdP.claims(), key: key))
            #expect(answer.status == 503, "\(answer)")
            #expect(jwks.fetches == 0, "the TLS handshake failed before any request")
            try await harness.server.waitUntilOutput(contains: "cannot load the JWKS")
        }
    }
}
