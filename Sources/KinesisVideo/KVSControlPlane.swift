import AWSSigV4
public import AsyncHTTPClient
import Basics
public import FoundationEssentials
public import Logging
import NIOCore

/// The KVS control plane for a signaling channel: find (or create) the channel, get its endpoints for a role, get
/// TURN servers. Each call reads the credentials source again, signs with SigV4 (service `kinesisvideo`), POSTs JSON
/// and throws a ``KVSError`` that says whether the credentials were refused (``KVSError/Kind/credentialsRejected``).
///
/// The requests are built by ``KVSOperation`` and the replies read by ``KVSReply``, both without I/O; this type only
/// sends. It does not retry: the caller (the KVS signaling connection) backs off and asks again.
public struct KVSControlPlane: Sendable {
    /// The control plane's base URL: `https://kinesisvideo.<region>.amazonaws.com`, or the override.
    public let endpoint: URL
    public let region: String
    public let credentials: AWSCredentialsSource
    /// How long one call may take, from signing to the last byte of the reply.
    public let timeout: Duration

    let httpClient: HTTPClient
    let logger: Logger

    /// The largest reply read (an endpoint list or ICE config is a few hundred bytes).
    static let maxReplyBytes = 1 << 20

    /// - Parameters:
    ///   - endpoint: the control plane's base URL; nil for `https://kinesisvideo.<region>.amazonaws.com`.
    ///   - httpClient: the caller's (and the caller's to shut down); ``makeHTTPClient(caFile:)`` makes one that
    ///     trusts a CA file.
    public init(
        region: String, endpoint: URL? = nil, credentials: AWSCredentialsSource, httpClient: HTTPClient,
        timeout: Duration = .seconds(10), logger: Logger
    ) {
        self.region = region
        self.endpoint = endpoint ?? Self.defaultEndpoint(region: region)
        self.credentials = credentials
        self.httpClient = httpClient
        self.timeout = timeout
        self.logger = logger
    }

    /// `https://kinesisvideo.<region>.amazonaws.com`.
    public static func defaultEndpoint(region: String) -> URL {
        URL(string: "https://kinesisvideo.\(region).amazonaws.com")!
    }

    /// An HTTP client for the KVS endpoints, trusting `caFile` instead of the system's CAs when given (see
    /// ``KVSTLS``). The caller shuts it down (`try await client.shutdown()`).
    public static func makeHTTPClient(caFile: String?) throws(KVSError) -> HTTPClient {
        var configuration = HTTPClient.Configuration(tlsConfiguration: try KVSTLS.configuration(caFile: caFile))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The ARN of the channel called `name` (`DescribeSignalingChannel`); ``KVSError/Kind/notFound`` if none.
    public func describeSignalingChannel(name: String) async throws(KVSError) -> ChannelARN {
        let operation = KVSOperation.describeSignalingChannel(name: name)
        return try await send(operation, to: endpoint).channelARN(of: operation)
    }

    /// Creates a single-master channel called `name`; returns its ARN.
    public func createSignalingChannel(name: String) async throws(KVSError) -> ChannelARN {
        let operation = KVSOperation.createSignalingChannel(name: name)
        return try await send(operation, to: endpoint).channelARN(of: operation)
    }

    /// The channel's WSS and HTTPS endpoints for `role` (`GetSignalingChannelEndpoint`).
    public func signalingEndpoints(arn: ChannelARN, role: KVSRole) async throws(KVSError) -> KVSSignalingEndpoints {
        let operation = KVSOperation.getSignalingChannelEndpoint(arn: arn, role: role)
        return try await send(operation, to: endpoint).endpoints(of: operation)
    }

    /// TURN servers for `clientId` on the channel (`POST <https>/v1/get-ice-server-config`, `Service: TURN`).
    public func iceServerConfig(https: URL, arn: ChannelARN, clientId: String) async throws(KVSError) -> [KVSICEServer]
    {
        let operation = KVSOperation.getIceServerConfig(arn: arn, clientId: clientId)
        return try await send(operation, to: https).iceServers(of: operation)
    }

    /// Signs `operation` with the current credentials, posts it and returns the reply, whatever its status.
    func send(_ operation: KVSOperation, to endpoint: URL) async throws(KVSError) -> KVSReply {
        let signingCredentials: AWSCredentials
        do {
            signingCredentials = try credentials.current()
        } catch {
            throw KVSError(.credentialsUnavailable, operation: operation.name, message: error.description)
        }
        let built = try operation.request(
            endpoint: endpoint, credentials: signingCredentials, region: region, date: .now())
        var request = HTTPClientRequest(url: built.url.absoluteString)
        request.method = .POST
        for header in built.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: built.body))
        let reply: KVSReply
        do {
            let response = try await httpClient.execute(request, deadline: .now() + .milliseconds(timeout.milliseconds))
            let body = try await response.body.collect(upTo: Self.maxReplyBytes)
            reply = KVSReply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: body))
        } catch {
            throw KVSError(
                .transport, operation: operation.name, message: "no reply from \(built.url.absoluteString): \(error)")
        }
        logger.debug(
            "KVS call", metadata: ["kvs.operation": "\(operation.name)", "http.status": "\(reply.status)"])
        return reply
    }
}
