import AWSSigV4
import AsyncHTTPClient
import Foundation
import SQS
import Synchronization
import TestSupport
import Testing

/// The SQS client against a real moto server: each test starts its own (a released ``MotoServer`` is killed).
@Suite struct SQSMotoTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "t")

    static func client(_ endpoint: String, timeout: Duration = .seconds(10)) -> SQSClient {
        SQSClient(
            endpoint: endpoint, region: "us-east-1", credentials: { credentials }, httpClient: .shared,
            timeout: timeout)
    }

    @Test func sendsSingleAndBatchedMessagesThatComeBackIntact() async throws {
        let moto = try await MotoServer.start()
        let asked = Atomic<Int>(0)
        let sqs = SQSClient(
            endpoint: moto.endpoint, region: "us-east-1",
            credentials: {
                asked.add(1, ordering: .relaxed)
                return Self.credentials
            }, httpClient: .shared)

        let queueURL = try await sqs.createQueue(name: "iot-data")
        #expect(queueURL.hasSuffix("/iot-data"))
        #expect(try await sqs.getQueueURL(name: "iot-data") == queueURL)

        let binary: [UInt8] = [0, 1, 2, 0xfe, 0xff, 0x7b, 0x22]  // not UTF-8, as a raw MQTT payload may be
        let encoded = Data(binary).base64EncodedString()
        let single = try await sqs.sendMessage(
            queueURL: queueURL, body: #"{"operation":"drive","ü":"ß"}"#, attributes: ["rule": "hooks"])
        #expect(!single.isEmpty)
        let batch = try await sqs.sendMessageBatch(
            queueURL: queueURL, entries: [(id: "a", body: "first"), (id: "b", body: encoded), (id: "c", body: "third")])
        #expect(batch.failed.isEmpty)
        #expect(batch.successful.map(\.id).sorted() == ["a", "b", "c"])
        #expect(Set(batch.successful.map(\.messageID)).count == 3)

        var received: [SQSMessage] = []
        for _ in 0..<10 where received.count < 4 {
            let messages = try await sqs.receiveMessages(queueURL: queueURL, max: 10, waitSeconds: 1)
            for message in messages {
                try await sqs.deleteMessage(queueURL: queueURL, receiptHandle: message.receiptHandle)
            }
            received += messages
        }
        let bodies = Dictionary(received.map { ($0.messageID, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(bodies.count == 4)
        #expect(bodies[single]?.body == #"{"operation":"drive","ü":"ß"}"#)
        #expect(bodies[single]?.attributes == ["rule": "hooks"])
        let messageID = Dictionary(uniqueKeysWithValues: batch.successful.map { ($0.id, $0.messageID) })
        #expect(bodies[messageID["a"] ?? ""]?.body == "first")
        #expect(bodies[messageID["c"] ?? ""]?.body == "third")
        let roundTripped = try #require(bodies[messageID["b"] ?? ""]?.body)
        #expect(Data(base64Encoded: roundTripped).map(Array.init) == binary)

        // Deleted: nothing comes back once the visibility timeout could have passed.
        #expect(try await sqs.receiveMessages(queueURL: queueURL, max: 10, waitSeconds: 0).isEmpty)
        // The credentials source is asked on every call, so that a refresh takes effect at once.
        #expect(asked.load(ordering: .relaxed) >= 7)
        try await moto.stop()
    }

    @Test func aMissingQueueOrAnInvalidParameterIsAPermanentError() async throws {
        let moto = try await MotoServer.start()
        let sqs = Self.client(moto.endpoint)
        let missing = "\(moto.endpoint)/123456789012/no-such-queue"
        let error = try await #require(throws: SQSError.self) {
            try await sqs.sendMessage(queueURL: missing, body: "x")
        }
        #expect(error.code == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(error.type == "QueueDoesNotExist")
        #expect(error.httpStatus == 400)
        #expect(!error.isRetryable)
        #expect(error.description.contains(missing))
        #expect(error.description.contains("SendMessage"))
        #expect(error.description.contains("check the queue name or URL"))

        let byName = try await #require(throws: SQSError.self) { try await sqs.getQueueURL(name: "no-such-queue") }
        #expect(!byName.isRetryable)
        #expect(byName.description.contains("GetQueueUrl on no-such-queue failed"))

        let batch = try await #require(throws: SQSError.self) {
            try await sqs.sendMessageBatch(queueURL: missing, entries: [(id: "1", body: "x")])
        }
        #expect(batch.code == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(!batch.isRetryable)

        // A request the service refuses as such is permanent too.
        let queueURL = try await sqs.createQueue(name: "exists")
        let invalid = try await #require(throws: SQSError.self) {
            try await sqs.receiveMessages(queueURL: queueURL, max: 11, waitSeconds: 0)
        }
        #expect(invalid.code == "InvalidParameterValue")
        #expect(invalid.message.contains("MaxNumberOfMessages"))
        #expect(!invalid.isRetryable)
        try await moto.stop()
    }

    @Test func aServerThatIsDownIsARetryableTransportError() async throws {
        let moto = try await MotoServer.start()
        let queueURL = try await Self.client(moto.endpoint).createQueue(name: "going-down")
        try await moto.stop()

        // An HTTP client that does not retry refused connections fails at once…
        let refused = try await Self.withFailFastHTTPClient { httpClient in
            let sqs = SQSClient(
                endpoint: moto.endpoint, region: "us-east-1", credentials: { Self.credentials },
                httpClient: httpClient)
            return try await #require(throws: SQSError.self) {
                try await sqs.sendMessage(queueURL: queueURL, body: "x")
            }
        }
        #expect(refused.code == "transport")
        #expect(refused.isRetryable)
        #expect(refused.httpStatus == nil)
        #expect(refused.description.contains(queueURL))
        #expect(refused.message.contains("127.0.0.1:\(moto.port)"))
        #expect(refused.message.contains("Connection refused"))

        // …and AsyncHTTPClient's default, which retries the connection, gives up at the call's time limit.
        let retried = try await #require(throws: SQSError.self) {
            try await Self.client(moto.endpoint, timeout: .seconds(1)).sendMessage(queueURL: queueURL, body: "x")
        }
        #expect(retried.code == "transport")
        #expect(retried.isRetryable)
    }

    /// Runs `body` with an HTTP client whose pool does not retry failed connection attempts, and shuts it down
    /// (AsyncHTTPClient traps on a client released without shutdown).
    static func withFailFastHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(httpClient)
            try await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }
}
