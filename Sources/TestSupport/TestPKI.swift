public import Foundation
import Synchronization

/// A throwaway certificate authority with a broker certificate for `localhost` and
/// client certificates (CN = client name), made by `scripts/pki.sh` — the script users
/// run — in a ``ScratchDirectory``.
///
/// File names: `ca.crt`, `ca.key`, `broker.crt`, `broker.key`, `NAME.crt`, `NAME.key`.
public final class TestPKI: Sendable {
    /// The identities the broker's ACL knows: a robot, two drivers, and a superuser.
    public static let defaultClients = ["sts-pi", "operator", "robot-server", "admin"]

    /// The folder holding the certificates and keys.
    public let directory: URL
    private let issued: Mutex<Set<String>>
    /// More subject alternative names of the broker certificate (`IP:203.0.113.10`), scripts/pki.sh's `PKI_BROKER_SANS`.
    private let brokerNames: [String]

    private init(directory: URL, clients: Set<String>, brokerNames: [String] = []) {
        self.directory = directory
        self.issued = Mutex(clients)
        self.brokerNames = brokerNames
    }

    /// The PKI shared by every test in this process, with at least `clients` issued.
    ///
    /// Made once (about 0.3 s); later calls only issue clients not issued yet. Safe to
    /// call from parallel tests.
    public static func make(clients: [String] = defaultClients) throws -> TestPKI {
        try shared.withLock { shared in
            if let pki = shared {
                try pki.issue(clients)
                return pki
            }
            let pki = try makeIndependent(clients: clients)
            shared = pki
            return pki
        }
    }

    /// A PKI of its own with a CA of its own — e.g. to show that a broker refuses
    /// certificates that another CA issued.
    /// `brokerNames` are more subject alternative names of the broker certificate, e.g. `IP:203.0.113.10` for a
    /// broker that clients reach at that address.
    public static func makeIndependent(clients: [String] = defaultClients, brokerNames: [String] = []) throws -> TestPKI
    {
        let pki = TestPKI(directory: try ScratchDirectory.make("pki"), clients: [], brokerNames: brokerNames)
        try pki.issue(clients)
        return pki
    }

    private static let shared = Mutex<TestPKI?>(nil)

    /// The CA certificate that verifies the broker and every client.
    public var caFile: URL { directory.appending(path: "ca.crt") }

    /// The certificate issued to client `name` (CN = `name`).
    public func certFile(_ name: String) -> URL { directory.appending(path: "\(name).crt") }

    /// The private key of client `name`.
    public func keyFile(_ name: String) -> URL { directory.appending(path: "\(name).key") }

    /// What client `name` connects with.
    public func credentials(_ name: String) -> ClientCredentials {
        ClientCredentials(caFile: caFile, certFile: certFile(name), keyFile: keyFile(name))
    }

    /// The CA only: a client that verifies the broker but has no certificate of its own.
    public var credentialsWithoutCertificate: ClientCredentials {
        ClientCredentials(caFile: caFile)
    }

    /// Issues the clients in `names` that this PKI has not issued yet.
    public func issue(_ names: [String]) throws {
        try issued.withLock { issued in
            var missing = names.filter { !issued.contains($0) }
            if missing.isEmpty {
                guard !FileManager.default.fileExists(atPath: caFile.path) else { return }
                missing = Self.defaultClients  // what the script issues when given no names
            }
            let script = RepositoryPaths.script("pki.sh")
            let result = try ChildProcess.run(
                script.path, [directory.path] + missing,
                environment: brokerNames.isEmpty ? [:] : ["PKI_BROKER_SANS": brokerNames.joined(separator: ",")],
                timeout: .seconds(60))
            guard result.termination == .exited(0) else {
                throw TestSupportError(
                    "scripts/pki.sh \(directory.path) \(missing.joined(separator: " ")) failed "
                        + "(\(result.termination)):\n\(result.standardError)\(result.standardOutput)")
            }
            issued.formUnion(missing)
        }
    }
}
