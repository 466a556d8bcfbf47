import AWSSigV4
import AsyncHTTPClient
import Foundation
@testable import SQS
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the client decides before and after the network, without moto.
@Suite struct SQSClientTests {
    static func client(_ endpoint: String, timeout: Duration = .seconds(10)) -> SQSClient {
        SQSMotoTests.client(endpoint, timeout: timeout)
    }

    @Test func aServerThatNeverAnswersTimesOutRetryably() async throws {
        let listener = try SilentListener()
        let sqs = Self.client("http://127.0.0.1:\(listener.port)", timeout: .milliseconds(300))
        let error = try await #require(throws: SQSError.self) {
            try await sqs.sendMessage(queueURL: "http://127.0.0.1:\(listener.port)/1/q", body: "x")
        }
        #expect(error.code == "transport")
        #expect(error.isRetryable)
        #expect(error.message.contains("timed out after 0.3 seconds"))
    }

    @Test func batchesAreCheckedBeforeSending() async throws {
        // Nothing listens on this port: a request would fail with `transport`, not with these codes.
        let sqs = Self.client("http://127.0.0.1:\(try FreePort.next())")
        let cases: [([(id: String, body: String)], String)] = [
            ([], "EmptyBatchRequest"),
            ((0...10).map { (id: "m\($0)", body: "x") }, "TooManyEntriesInBatchRequest"),
            ([(id: "same", body: "x"), (id: "same", body: "y")], "BatchEntryIdsNotDistinct"),
        ]
        for (entries, code) in cases {
            let error = try await #require(throws: SQSError.self) {
                try await sqs.sendMessageBatch(queueURL: "q", entries: entries)
            }
            #expect(error.code == code)
            #expect(!error.isRetryable)
        }
    }

    @Test func aFailingCredentialsSourceIsRetryable() async throws {
        struct NoCredentials: Error, CustomStringConvertible {
            var description: String { "credential provider answered 503" }
        }
        let sqs = SQSClient(
            endpoint: "http://127.0.0.1:9", region: "us-east-1", credentials: { throw NoCredentials() },
            httpClient: .shared)
        let error = try await #require(throws: SQSError.self) { try await sqs.createQueue(name: "q") }
        #expect(error.code == "credentials")
        #expect(error.isRetryable)
        #expect(error.message.contains("credential provider answered 503"))
    }

    @Test(arguments: ["", "sqs.eu-west-1.amazonaws.com", "ftp://host", "http://", "http://host:99999", "http://h/x"])
    func aMalformedEndpointIsAPermanentError(endpoint: String) async throws {
        let error = try await #require(throws: SQSError.self) {
            try await Self.client(endpoint).createQueue(name: "q")
        }
        #expect(error.code == "InvalidEndpoint")
        #expect(!error.isRetryable)
    }

    @Test func endpointsGiveTheURLAndTheHostToSign() throws {
        let aws = try #require(SQSEndpoint("https://sqs.eu-west-1.amazonaws.com"))
        #expect(aws.url == "https://sqs.eu-west-1.amazonaws.com/")
        #expect(aws.host == "sqs.eu-west-1.amazonaws.com")
        let local = try #require(SQSEndpoint("http://127.0.0.1:4566/"))
        #expect(local.url == "http://127.0.0.1:4566/")
        #expect(local.host == "127.0.0.1:4566")
    }

    @Test(
        arguments: [
            // status, x-amzn-query-error, body, expected code, retryable
            (
                400, "AWS.SimpleQueueService.NonExistentQueue;Sender",
                #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
                "AWS.SimpleQueueService.NonExistentQueue", false
            ),
            (400, nil, #"{"__type":"com.amazonaws.sqs#AccessDenied","message":"no"}"#, "AccessDenied", false),
            (
                400, "InvalidParameterValue;Sender", #"{"__type":"com.amazon.coral.validate#ValidationException"}"#,
                "InvalidParameterValue", false
            ),
            (403, nil, #"{"__type":"com.amazon.coral.service#InvalidClientTokenId"}"#, "InvalidClientTokenId", false),
            (
                400, "AWS.SimpleQueueService.RequestThrottled;Sender",
                #"{"__type":"com.amazonaws.sqs#RequestThrottled"}"#,
                "AWS.SimpleQueueService.RequestThrottled", true
            ),
            (400, nil, #"{"__type":"com.amazon.coral.service#ThrottlingException"}"#, "ThrottlingException", true),
            (
                403, nil, #"{"__type":"com.amazon.coral.service#ExpiredTokenException:http://internal"}"#,
                "ExpiredTokenException", true
            ),
            (500, nil, #"{"__type":"com.amazon.coral.service#InternalFailure"}"#, "InternalFailure", true),
            (503, nil, "<html>Service Unavailable</html>", "HTTP503", true),
            (429, nil, "", "HTTP429", true),
            (404, nil, "not found", "HTTP404", false),
        ] as [(Int, String?, String, String, Bool)])
    func classifiesReplyErrors(status: Int, queryError: String?, body: String, code: String, retryable: Bool) {
        let headers = queryError.map { [("x-amzn-query-error", $0)] } ?? []
        let error = SQSClient.replyError(
            (status: status, headers: headers, body: Array(body.utf8)), action: "SendMessage", resource: "q")
        #expect(error.code == code)
        #expect(error.isRetryable == retryable)
        #expect(error.httpStatus == status)
    }
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete (the kernel's backlog takes them)
/// and then hear nothing, as from a hung server.
final class SilentListener: Sendable {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TestSupportError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(descriptor)
    }
}
