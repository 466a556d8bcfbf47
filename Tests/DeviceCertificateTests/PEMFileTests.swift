import DeviceCertificate
import Foundation
import TestSupport
import Testing

/// Certificates and keys read with libcrypto, for `robotd check`.
@Suite struct PEMFileTests {
    let pki: TestPKI

    init() throws {
        pki = try TestPKI.make()
    }

    @Test func readsTheDeviceCertificate() throws {
        let summary = try PEMFile.certificate(at: pki.certFile("sts-pi").path)
        #expect(summary.subject == "/CN=sts-pi")
        #expect(summary.isValidYet)
        let days = try #require(summary.secondsUntilExpiry) / 86_400
        #expect(days > 800 && days <= 825, "pki.sh issues for 825 days")
        #expect(try PEMFile.certificateCount(at: pki.caFile.path) == 1)
    }

    @Test func readsTheKeyAndMatchesItWithItsCertificateOnly() throws {
        #expect(try PEMFile.privateKey(at: pki.keyFile("sts-pi").path) == "EC 256-bit")
        #expect(try PEMFile.keyMatches(certFile: pki.certFile("sts-pi").path, keyFile: pki.keyFile("sts-pi").path))
        #expect(
            try !PEMFile.keyMatches(certFile: pki.certFile("sts-pi").path, keyFile: pki.keyFile("operator").path))
    }

    @Test func filesThatAreNotPEMAreNamed() throws {
        let folder = try ScratchDirectory.make("pem")
        let garbage = folder.appending(path: "garbage.pem")
        try "not a certificate\n".write(to: garbage, atomically: true, encoding: .utf8)
        #expect(throws: DeviceCertificateError.self) { try PEMFile.certificate(at: garbage.path) }
        do {
            _ = try PEMFile.privateKey(at: garbage.path)
            Issue.record("garbage parsed as a key")
        } catch {
            #expect(error.path == garbage.path && error.description.contains("holds no PEM private key"))
        }
        // A certificate is not a key, and a key is not a certificate.
        #expect(throws: DeviceCertificateError.self) { try PEMFile.privateKey(at: pki.certFile("sts-pi").path) }
        #expect(throws: DeviceCertificateError.self) { try PEMFile.certificate(at: pki.keyFile("sts-pi").path) }
        #expect(throws: DeviceCertificateError.self) {
            try PEMFile.certificate(at: folder.appending(path: "none").path)
        }
    }

    @Test func anEncryptedKeyIsReportedAsSuchWithoutAPrompt() throws {
        let folder = try ScratchDirectory.make("pem")
        let encrypted = folder.appending(path: "encrypted.key")
        let result = try ChildProcess.run(
            "openssl",
            ["pkey", "-in", pki.keyFile("sts-pi").path, "-aes256", "-passout", "pass:secret", "-out", encrypted.path])
        #expect(result.termination == .exited(0), "\(result.standardError)")
        do {
            _ = try PEMFile.privateKey(at: encrypted.path)
            Issue.record("an encrypted key was read without its passphrase")
        } catch {
            #expect(error.description.contains("encrypted"), "\(error)")
        }
    }
}
