import Testing
import TestSupport

/// The local broker stands in for AWS IoT Core: TLS with client certificates, nothing else.
@Suite struct MutualTLSTests {
    @Test func adminRoundTripOverMutualTLS() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let subscription = try await broker.cli.subscribe(to: "diagnostics/#", as: "admin")

        try await broker.cli.publish(topic: "diagnostics/ping", message: #"{"hello":"world"}"#, as: "admin")

        let message = try await subscription.waitForMessage(topic: "diagnostics/ping")
        #expect(message.text == #"{"hello":"world"}"#)
    }

    @Test func binaryPayloadsArriveByteForByte() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let subscription = try await broker.cli.subscribe(to: "diagnostics/binary", as: "admin")
        let bytes: [UInt8] = [0x00, 0x0A, 0xFF, 0x20, 0x0D, 0x0A, 0x80] + Array(0...255)

        try await broker.cli.publish(topic: "diagnostics/binary", bytes: bytes, as: "admin")

        #expect(try await subscription.waitForMessage().payload == bytes)
    }

    @Test func clientWithoutCertificateIsRefused() async throws {
        let pki = try TestPKI.make()
        let broker = try await MosquittoBroker.start(pki: pki)

        let error = await #expect(throws: MosquittoClientError.self) {
            try await broker.cli.publish(
                topic: "sts-pi/telemetry", bytes: Array("x".utf8), credentials: pki.credentialsWithoutCertificate)
        }
        #expect(error?.termination != nil)
        try await broker.waitForLog(containing: "peer did not return a certificate")
    }

    @Test func clientWithCertificateFromAnotherCAIsRefused() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let foreign = try TestPKI.makeIndependent(clients: ["admin"])
        // Same CN, and the client trusts the real broker: only the issuer differs.
        let credentials = ClientCredentials(
            caFile: broker.pki.caFile, certFile: foreign.certFile("admin"), keyFile: foreign.keyFile("admin"))

        await #expect(throws: MosquittoClientError.self) {
            try await broker.cli.subscribe(to: ["#"], credentials: credentials)
        }
        await #expect(throws: MosquittoClientError.self) {
            try await broker.cli.publish(topic: "diagnostics/ping", bytes: [1], credentials: credentials)
        }
        try await broker.waitForLog(containing: "certificate verify failed")
    }

    @Test func clientThatDoesNotTrustTheBrokerRefusesIt() async throws {
        let broker = try await MosquittoBroker.start(pki: TestPKI.make())
        let foreign = try TestPKI.makeIndependent(clients: ["admin"])
        var credentials = broker.pki.credentials("admin")
        credentials.caFile = foreign.caFile

        await #expect(throws: MosquittoClientError.self) {
            try await broker.cli.publish(topic: "diagnostics/ping", bytes: [1], credentials: credentials)
        }
    }
}
