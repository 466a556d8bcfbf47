import Foundation
import Testing
import TestSupport

/// `scripts/pki.sh`, run as users run it.
@Suite struct PKIScriptTests {
    @Test func makesCABrokerAndClientsThenOnlyWhatIsMissing() async throws {
        let folder = try ScratchDirectory.make("pki-script")
        let script = RepositoryPaths.script("pki.sh").path

        let first = try await ChildProcess.run(script, [folder.path])
        #expect(first.termination == .exited(0), "\(first.standardError)")
        let created = first.standardOutput.split(separator: "\n")
        #expect(created.count == 6)
        for name in ["ca", "broker", "sts-pi", "operator", "robot-server", "admin"] {
            for suffix in ["crt", "key"] {
                #expect(FileManager.default.fileExists(atPath: folder.appending(path: "\(name).\(suffix)").path))
            }
            let mode = try permissions(of: folder.appending(path: "\(name).key"))
            #expect(mode == 0o600, "\(name).key has mode \(String(mode ?? 0, radix: 8))")
        }

        let again = try await ChildProcess.run(script, [folder.path])
        #expect(again.termination == .exited(0))
        #expect(again.standardOutput.isEmpty && again.standardError.isEmpty)

        let added = try await ChildProcess.run(script, [folder.path, "sts-pi", "robot-2"])
        #expect(added.standardOutput.split(separator: "\n").count == 1)
        #expect(added.standardOutput.contains("robot-2.crt"))
    }

    @Test func certificatesCarryTheRightNamesAndExtensions() async throws {
        let pki = try TestPKI.make()

        let broker = try await text(of: pki.directory.appending(path: "broker.crt"))
        #expect(broker.contains("CN = localhost") || broker.contains("CN=localhost"))
        #expect(broker.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(broker.contains("TLS Web Server Authentication"))
        #expect(broker.contains("ASN1 OID: prime256v1"))

        let client = try await text(of: pki.certFile("sts-pi"))
        #expect(client.contains("CN = sts-pi") || client.contains("CN=sts-pi"))
        #expect(client.contains("TLS Web Client Authentication"))
        #expect(client.contains("CA:FALSE"))

        let ca = try await text(of: pki.caFile)
        #expect(ca.contains("CA:TRUE"))
        #expect(ca.contains("Certificate Sign"))

        let verify = try await ChildProcess.run(
            "openssl", ["verify", "-CAfile", pki.caFile.path, pki.certFile("sts-pi").path, pki.certFile("admin").path])
        #expect(verify.termination == .exited(0), "\(verify.standardOutput)\(verify.standardError)")
    }

    @Test(arguments: ["bad/name", "+", "#", "ca", "broker", "-x"])
    func refusesNamesThatCannotBeTopicsOrFiles(name: String) async throws {
        let folder = try ScratchDirectory.make("pki-bad-name")
        let result = try await ChildProcess.run(RepositoryPaths.script("pki.sh").path, [folder.path, name])
        #expect(result.termination == .exited(2))
        #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "ca.crt").path))
    }

    private func permissions(of file: URL) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
    }

    private func text(of certificate: URL) async throws -> String {
        let result = try await ChildProcess.run("openssl", ["x509", "-in", certificate.path, "-noout", "-text"])
        #expect(result.termination == .exited(0))
        return result.standardOutput
    }
}
