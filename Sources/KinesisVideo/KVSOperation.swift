public import AWSSigV4
public import FoundationEssentials
public import StrictJSON

/// One KVS control-plane request, built and signed without I/O: which operation, where it goes, its JSON body.
///
/// The control-plane operations go to the regional endpoint (`https://kinesisvideo.<region>.amazonaws.com`, or the
/// override): `POST /describeSignalingChannel`, `/createSignalingChannel`, `/getSignalingChannelEndpoint`; the ICE
/// server config goes to the channel's HTTPS endpoint: `POST /v1/get-ice-server-config`. All are JSON, signed with
/// SigV4 for service `kinesisvideo`.
public enum KVSOperation: Sendable, Equatable {
    case describeSignalingChannel(name: String)
    /// A single-master channel.
    case createSignalingChannel(name: String)
    case getSignalingChannelEndpoint(arn: ChannelARN, role: KVSRole)
    case getIceServerConfig(arn: ChannelARN, clientId: String)

    /// The SigV4 service name.
    public static let service = "kinesisvideo"

    /// The operation's name in AWS's API reference, e.g. `GetSignalingChannelEndpoint`.
    public var name: String {
        switch self {
        case .describeSignalingChannel: "DescribeSignalingChannel"
        case .createSignalingChannel: "CreateSignalingChannel"
        case .getSignalingChannelEndpoint: "GetSignalingChannelEndpoint"
        case .getIceServerConfig: "GetIceServerConfig"
        }
    }

    /// The request path.
    public var path: String {
        switch self {
        case .describeSignalingChannel: "/describeSignalingChannel"
        case .createSignalingChannel: "/createSignalingChannel"
        case .getSignalingChannelEndpoint: "/getSignalingChannelEndpoint"
        case .getIceServerConfig: "/v1/get-ice-server-config"
        }
    }

    /// The JSON body.
    public var body: JSONValue {
        switch self {
        case .describeSignalingChannel(let name): ["ChannelName": .string(name)]
        case .createSignalingChannel(let name): ["ChannelName": .string(name), "ChannelType": "SINGLE_MASTER"]
        case .getSignalingChannelEndpoint(let arn, let role):
            [
                "ChannelARN": .string(arn.value),
                "SingleMasterChannelEndpointConfiguration": [
                    "Protocols": ["WSS", "HTTPS"], "Role": .string(role.rawValue),
                ],
            ]
        case .getIceServerConfig(let arn, let clientId):
            ["ChannelARN": .string(arn.value), "ClientId": .string(clientId), "Service": "TURN"]
        }
    }

    /// The request to send to `endpoint` (the control plane's base URL, or for ``getIceServerConfig(arn:clientId:)``
    /// the channel's HTTPS endpoint), signed at `date`.
    public func request(
        endpoint: URL, credentials: AWSCredentials, region: String, date: AmzDate
    ) throws(KVSError) -> KVSHTTPRequest {
        guard ["https", "http"].contains(endpoint.scheme?.lowercased() ?? ""), let host = endpoint.hostHeader,
            let url = endpoint.replacingPath(path)
        else {
            throw KVSError(
                .configuration, operation: name,
                message: "\"\(endpoint.absoluteString)\" is not an https://host[:port] URL")
        }
        let payload = body.serialized()
        let headers = [(name: "Host", value: host), (name: "Content-Type", value: "application/json")]
        let signer = SigV4Signer(credentials: credentials, region: region, service: Self.service)
        let signed = signer.sign(SigV4Request(method: "POST", path: path, headers: headers, body: payload), date: date)
        return KVSHTTPRequest(url: url, headers: headers + signed.headers, body: payload, signed: signed)
    }
}

/// A signed POST, ready for any HTTP client.
public struct KVSHTTPRequest: Sendable {
    public var url: URL
    /// `Host`, `Content-Type`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session token), `Authorization`.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The signature's intermediate strings (for tests and for a `SignatureDoesNotMatch`).
    public var signed: SignedRequest
}
