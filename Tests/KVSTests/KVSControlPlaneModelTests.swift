import AsyncHTTPClient
import Foundation
import Glibc
import KinesisVideo
import Logging
import Testing
import TestSupport

/// ``KVSControlPlane`` over HTTPS against the KVS model (which checks every signature with its own Python SigV4):
/// the calls robot-webrtc makes, in order, with the model's CA as the CA-file override and credentials read from a
/// file that is rewritten between calls; then how its refusals come back. Serial: it runs a process (~2 s).
@Suite(.serialized)
struct KVSControlPlaneModelTests {
    @Test func talksToTheModelAndReportsItsRefusals() async throws {
        let kvs = try await KVSModel.start(pki: try TestPKI.make())
        defer { Task { [kvs] in await kvs.stop() } }
        let http = try KVSControlPlane.makeHTTPClient(caFile: kvs.caFile.path)
        defer { Task { try? await http.shutdown() } }
        let file = try ScratchDirectory.make("kvs-control-plane").appending(path: "aws-credentials.json").path
        let first = try kvs.addCredentials()
        try Self.write(first, to: file)
        let controlPlane = KVSControlPlane(
            region: KVSModel.region, endpoint: kvs.endpoint, credentials: .file(file), httpClient: http,
            logger: Logger(label: "kvs-test"))

        let arn = try await controlPlane.describeSignalingChannel(name: KVSModel.defaultChannel)
        #expect(arn == KVSModel.channelARN())
        let endpoints = try await controlPlane.signalingEndpoints(arn: arn, role: .master)
        #expect(endpoints.wss == kvs.signalingURL && endpoints.https == kvs.endpoint)
        // robotd rewrites the file: the next call signs with the new key.
        let second = try kvs.addCredentials()
        try Self.write(second, to: file)
        try await kvs.setICETtl(42)
        let servers = try await controlPlane.iceServerConfig(
            https: endpoints.https, arn: arn, clientId: "ProducerMaster")
        #expect(servers.count == 1 && servers.first?.ttl == 42)
        let keys = kvs.entries("http").compactMap { $0["accessKeyId"] as? String }
        #expect(keys == [first.accessKeyID, first.accessKeyID, second.accessKeyID])

        let missing = await #expect(throws: KVSError.self) {
            try await controlPlane.describeSignalingChannel(name: "no-such-channel")
        }
        #expect(missing?.kind == .notFound && missing?.code == "ResourceNotFoundException")
        let created = try await controlPlane.createSignalingChannel(name: "no-such-channel")
        #expect(created.value.hasPrefix("arn:aws:kinesisvideo:us-west-2:123456789012:channel/no-such-channel/"))
        #expect(try await controlPlane.describeSignalingChannel(name: "no-such-channel") == created)

        try kvs.expire(second.accessKeyID)
        let expired = await #expect(throws: KVSError.self) {
            try await controlPlane.describeSignalingChannel(name: KVSModel.defaultChannel)
        }
        #expect(expired?.kind == .credentialsRejected && expired?.httpStatus == 403)
        #expect(expired?.description.contains("ExpiredTokenException") == true)
        #expect(expired?.description.contains("expired or invalid credentials") == true)
        #expect(expired?.description.contains(second.secretAccessKey) == false)

        // The system's CAs do not know the model's: the TLS failure is a transport error.
        let systemTrust = try KVSControlPlane.makeHTTPClient(caFile: nil)
        defer { Task { try? await systemTrust.shutdown() } }
        let untrusted = KVSControlPlane(
            region: KVSModel.region, endpoint: kvs.endpoint, credentials: .file(file), httpClient: systemTrust,
            logger: Logger(label: "kvs-test"))
        let refused = await #expect(throws: KVSError.self) {
            try await untrusted.describeSignalingChannel(name: KVSModel.defaultChannel)
        }
        #expect(refused?.kind == .transport)
    }

    static func write(_ credentials: KVSModel.Credentials, to path: String) throws {
        let object: [String: Any] = [
            "accessKeyId": credentials.accessKeyID, "secretAccessKey": credentials.secretAccessKey,
            "sessionToken": credentials.sessionToken ?? NSNull(), "expiration": "2099-01-01T00:00:00Z",
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(filePath: path), options: .atomic)
    }
}
