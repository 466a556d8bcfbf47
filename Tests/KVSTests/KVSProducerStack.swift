import Foundation
import TestSupport

/// The KVS model with the built robot-webrtc as the master of its channel (`--kvs-channel sts-pi`, the model's
/// control plane and CA, `--kvs-no-stun`, the clock source through x264enc), signing with a credentials file the
/// test rewrites as robotd would (atomically).
struct KVSProducerStack {
    let kvs: KVSModel
    let producer: ChildProcess
    let folder: URL
    let credentialsFile: URL

    /// Starts the model (ICE `Ttl` `iceTtl` seconds), writes `credentials` (or fresh ones), starts robot-webrtc.
    static func start(
        iceTtl: Int = 300, credentials: KVSModel.Credentials? = nil, extraArguments: [String] = []
    ) async throws -> (KVSProducerStack, KVSModel.Credentials) {
        let kvs = try await KVSModel.start(pki: try TestPKI.make(), iceTtl: iceTtl)
        let folder = try ScratchDirectory.make("kvs-producer")
        let credentialsFile = folder.appending(path: "aws-credentials.json")
        let key = try credentials ?? kvs.addCredentials()
        try write(key, to: credentialsFile)
        let producer = try ChildProcess.start(
            try RepositoryPaths.product("robot-webrtc").path,
            [
                "--kvs-channel", KVSModel.defaultChannel, "--region", KVSModel.region,
                "--aws-credentials-file", credentialsFile.path, "--kvs-endpoint", kvs.endpoint.absoluteString,
                "--kvs-ca-file", kvs.caFile.path, "--kvs-no-stun", "--ice-loopback", "--source", "clock",
                "--encoder", "x264enc", "--log-level", "debug",
            ] + extraArguments, outputDirectory: folder)
        return (KVSProducerStack(kvs: kvs, producer: producer, folder: folder, credentialsFile: credentialsFile), key)
    }

    /// Writes `credentials` as the IoT credential provider's `credentials` object, atomically (as robotd does).
    static func write(_ credentials: KVSModel.Credentials, to file: URL) throws {
        var object: [String: Any] = [
            "accessKeyId": credentials.accessKeyID, "secretAccessKey": credentials.secretAccessKey,
        ]
        object["sessionToken"] = credentials.sessionToken
        if let expiration = credentials.expiration {
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime]
            object["expiration"] = format.string(from: expiration)
        }
        try JSONSerialization.data(withJSONObject: object).write(to: file, options: .atomic)
    }

    func rotate(to credentials: KVSModel.Credentials) throws {
        try Self.write(credentials, to: credentialsFile)
    }

    /// Waits for the master's successful WebSocket connect (status 101) after the first `after` log entries.
    @discardableResult
    func waitForMasterConnect(after: Int = 0, timeout: Duration = .seconds(15)) async throws -> [String: Any] {
        do {
            return try await kvs.waitFor("a master connection", after: after, timeout: timeout) {
                $0["kind"] as? String == "connect" && $0["role"] as? String == "master" && $0["status"] as? Int == 101
            }
        } catch {
            throw TestSupportError("\(error)\nrobot-webrtc:\n\(producer.outputTail(lines: 30))")
        }
    }

    /// The master's successful connects so far.
    var masterConnects: [[String: Any]] {
        kvs.entries("connect").filter { $0["role"] as? String == "master" && $0["status"] as? Int == 101 }
    }

    /// The ICE configuration requests so far (`GetIceServerConfig`), successful or not.
    var iceRequests: [[String: Any]] {
        kvs.entries("http").filter { $0["operation"] as? String == "GetIceServerConfig" }
    }

    /// SIGTERM, and SIGKILL after 10 s. The WebSocket client's close handshake with the model can take ~5 s: the
    /// model's TLS close is slow, and the client's own close timeout does not run once its task is cancelled.
    func stop() async throws -> ChildProcess.Termination {
        let termination = try await producer.terminate(timeout: .seconds(10))
        await kvs.stop()
        return termination
    }
}
