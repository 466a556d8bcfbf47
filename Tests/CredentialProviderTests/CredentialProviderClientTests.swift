import CredentialProvider
import Foundation
import TestSupport
import Testing

/// The client against a local HTTPS server that requires a client certificate and answers like AWS.
@Suite(.timeLimit(.minutes(2))) struct CredentialProviderClientTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.make()
    }

    func client(
        _ fixture: CredentialProviderFixture, identity: TestPKI? = nil, name: String = "sts-pi", caFile: URL? = nil,
        timeout: Duration = .seconds(10)
    ) -> CredentialProviderClient {
        let identity = identity ?? pki
        return CredentialProviderClient(
            options: .init(
                host: "localhost", port: Int(fixture.port), roleAlias: "robot-camera", region: "eu-west-1",
                thingName: "sts-pi", caFile: (caFile ?? pki.caFile).path, certFile: identity.certFile(name).path,
                keyFile: identity.keyFile(name).path, connectTimeout: .seconds(2), timeout: timeout))
    }

    func failure(_ client: CredentialProviderClient) async -> CredentialProviderError? {
        do {
            _ = try await client.fetch()
            return nil
        } catch {
            return error
        }
    }

    @Test func fetchesCredentialsWithTheDeviceCertificateAndTheThingNameHeader() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki)
        let fetched = try await client(fixture).fetch()
        let request = try #require(fixture.requests.first)
        #expect(request["path"] as? String == "/role-aliases/robot-camera/credentials")
        #expect(request["thing"] as? String == "sts-pi")
        #expect(request["cn"] as? String == "sts-pi", "the server saw our client certificate")
        let issued = try #require(fixture.issued(1))
        #expect(fetched.credentials.accessKeyID == issued["accessKeyId"])
        #expect(fetched.credentials.secretAccessKey == issued["secretAccessKey"])
        #expect(fetched.credentials.sessionToken == issued["sessionToken"])
        #expect(fetched.credentials.expiration.iso8601.hasPrefix(String(issued["expiration"]!.dropLast())))
        // Lifetime on the server's clock: its Date header and the expiration both have whole seconds.
        #expect(fetched.validFor == .seconds(3600) || fetched.validFor == .seconds(3599), "\(fetched.validFor)")
    }

    @Test(arguments: [-86_400 * 400, 7_200])
    func theLifetimeIsMeasuredOnTheProvidersClock(offset: Int) async throws {
        // A Pi without a real-time clock may boot a year behind (or, mis-set, hours ahead).
        let fixture = try await CredentialProviderFixture.start(pki: pki, clockOffset: offset)
        let fetched = try await client(fixture).fetch()
        #expect(fetched.validFor == .seconds(3600) || fetched.validFor == .seconds(3599), "\(fetched.validFor)")
    }

    @Test func aCertificateFromAnotherCAIsRefusedInTheTLSHandshake() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki)
        let stranger = try TestPKI.makeIndependent(clients: ["sts-pi"])
        let error = try #require(await failure(client(fixture, identity: stranger)))
        #expect(error.kind == .handshakeRefused, "\(error)")
        #expect(error.message.contains(stranger.certFile("sts-pi").path) && error.message.contains("ACTIVE"))
        #expect(!error.isTransient)
        #expect(fixture.requests.isEmpty)
        // The server logs the refusal after sending its alert: give it a moment.
        var refused = false
        for _ in 0..<100 where !refused {
            refused = fixture.log.contains { $0["tlsError"] != nil }
            if !refused { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(refused, "the server refused the handshake")
    }

    @Test func aServerTheCAFileDoesNotVerifyIsNamed() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki)
        let other = try TestPKI.makeIndependent(clients: [])
        let error = try #require(await failure(client(fixture, caFile: other.caFile)))
        #expect(error.kind == .serverCertificate, "\(error)")
        #expect(error.message.contains(other.caFile.path) && error.message.contains("AmazonRootCA1"))
    }

    @Test func forbiddenNamesTheMissingPolicy() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["403"])
        let error = try #require(await failure(client(fixture)))
        #expect(error.kind == .forbidden && error.status == 403)
        #expect(error.message.contains("iot:AssumeRoleWithCertificate"), "\(error)")
        #expect(error.message.contains("arn:aws:iot:eu-west-1:<account-id>:rolealias/robot-camera"), "\(error)")
        #expect(error.message.contains("Access Denied"), "the server's message is quoted")
        #expect(!error.isTransient)
    }

    @Test func anUnknownRoleAliasIsNamed() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["404"])
        let error = try #require(await failure(client(fixture)))
        #expect(error.kind == .unknownRoleAlias && error.status == 404)
        #expect(error.message.contains(#"role alias "robot-camera""#) && error.message.contains("describe-role-alias"))
    }

    @Test func aServerErrorIsTransientAndTheNextRequestSucceeds() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["500", "ok"])
        let error = try #require(await failure(client(fixture)))
        #expect(error.kind == .serverError && error.status == 500 && error.isTransient)
        let fetched = try await client(fixture).fetch()
        #expect(fetched.credentials.accessKeyID == "ASIAFAKE2")
    }

    @Test func aSlowServerTimesOut() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["slow:5"])
        let started = ContinuousClock.now
        let error = try #require(await failure(client(fixture, timeout: .seconds(1))))
        let elapsed = ContinuousClock.now - started
        #expect(error.kind == .timeout && error.isTransient, "\(error)")
        #expect(elapsed < .seconds(3), "gave up after \(elapsed)")
    }

    @Test func malformedJSONIsNotCredentials() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["malformed"])
        let error = try #require(await failure(client(fixture)))
        #expect(error.kind == .malformedAnswer, "\(error)")
        #expect(error.message.contains(#"no "credentials" object"#), "\(error)")
    }

    @Test func nothingListeningIsUnreachable() async throws {
        let port = try FreePort.next()
        let options = CredentialProviderClient.Options(
            host: "127.0.0.1", port: Int(port), roleAlias: "r", region: "eu-west-1", thingName: "sts-pi",
            caFile: pki.caFile.path, certFile: pki.certFile("sts-pi").path, keyFile: pki.keyFile("sts-pi").path)
        let error = try #require(await failure(CredentialProviderClient(options: options)))
        #expect(error.kind == .unreachable && error.isTransient, "\(error)")
        #expect(error.message.contains("127.0.0.1:\(port)"))
    }

    @Test func cancellingAbortsTheTransfer() async throws {
        let fixture = try await CredentialProviderFixture.start(pki: pki, script: ["slow:20"])
        let client = client(fixture, timeout: .seconds(30))
        let started = ContinuousClock.now
        let task = Task { await failure(client) }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        let error = await task.value
        #expect(error?.kind == .cancelled, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
