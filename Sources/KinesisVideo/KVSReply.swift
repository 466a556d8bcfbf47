import FoundationEssentials
import StrictJSON

/// A control-plane reply (status, headers, body), read without I/O: the value a 2xx carries, or the ``KVSError``
/// any other status means.
public struct KVSReply: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `ChannelInfo.ChannelARN` of `DescribeSignalingChannel`, or `ChannelARN` of `CreateSignalingChannel`.
    public func channelARN(of operation: KVSOperation) throws(KVSError) -> ChannelARN {
        let json = try success(of: operation)
        let text: String?
        if case .describeSignalingChannel = operation {
            text = json["ChannelInfo"]?["ChannelARN"]?.stringValue
        } else {
            text = json["ChannelARN"]?.stringValue
        }
        guard let text else { throw invalid(operation, "has no channel ARN") }
        guard let arn = ChannelARN(text) else {
            throw invalid(operation, "has a channel ARN that is not one: \(JSONValue.quoted(text, maxLength: 120))")
        }
        return arn
    }

    /// The `WSS` and `HTTPS` entries of `GetSignalingChannelEndpoint`'s `ResourceEndpointList`.
    public func endpoints(of operation: KVSOperation) throws(KVSError) -> KVSSignalingEndpoints {
        let json = try success(of: operation)
        guard let list = json["ResourceEndpointList"]?.arrayValue else {
            throw invalid(operation, "has no ResourceEndpointList")
        }
        func endpoint(_ protocolName: String, schemes: [String]) throws(KVSError) -> URL {
            let entry = list.first { $0["Protocol"]?.stringValue == protocolName }
            guard let text = entry?["ResourceEndpoint"]?.stringValue else {
                throw invalid(operation, "lists no \(protocolName) endpoint")
            }
            guard let url = URL(string: text), schemes.contains(url.scheme?.lowercased() ?? ""), url.hostHeader != nil
            else {
                throw invalid(operation, "has a \(protocolName) endpoint that is not a URL: \(JSONValue.quoted(text))")
            }
            return url
        }
        return KVSSignalingEndpoints(
            wss: try endpoint("WSS", schemes: ["wss", "ws"]), https: try endpoint("HTTPS", schemes: ["https", "http"]))
    }

    /// `GetIceServerConfig`'s `IceServerList` (possibly empty).
    public func iceServers(of operation: KVSOperation) throws(KVSError) -> [KVSICEServer] {
        let json = try success(of: operation)
        guard let list = json["IceServerList"]?.arrayValue else { throw invalid(operation, "has no IceServerList") }
        var servers: [KVSICEServer] = []
        for (index, entry) in list.enumerated() {
            guard let uris = entry["Uris"]?.arrayValue?.compactMap(\.stringValue), !uris.isEmpty,
                let username = entry["Username"]?.stringValue, let password = entry["Password"]?.stringValue,
                let ttl = entry["Ttl"]?.intValue, ttl > 0
            else {
                throw invalid(operation, "has IceServerList[\(index)] without Uris, Username, Password and a Ttl > 0")
            }
            servers.append(KVSICEServer(uris: uris, username: username, password: password, ttl: ttl))
        }
        return servers
    }

    /// The body of a 2xx as JSON, or the error the reply stands for.
    func success(of operation: KVSOperation) throws(KVSError) -> JSONValue {
        guard (200..<300).contains(status) else { throw error(of: operation) }
        do {
            return try JSONParser.parse(body)
        } catch {
            throw invalid(operation, "is not JSON (\(error))")
        }
    }

    /// The error a non-2xx reply stands for. AWS's REST-JSON errors name their code in the `x-amzn-ErrorType` header
    /// (`ResourceNotFoundException:http://internal.amazon.com/…`) or the body's `__type`, and the message in the
    /// body's `message` or `Message`.
    public func error(of operation: KVSOperation) -> KVSError {
        let json = try? JSONParser.parse(body)
        let header = headers.first { $0.name.lowercased() == "x-amzn-errortype" }?.value
        let code = (header ?? json?["__type"]?.stringValue).map { type in
            let name = type.split(separator: "#").last.map(String.init) ?? type
            return name.split(separator: ":").first.map(String.init) ?? name
        }
        let message =
            json?["message"]?.stringValue ?? json?["Message"]?.stringValue
            ?? String(decoding: body.prefix(200), as: UTF8.self)
        let kind: KVSError.Kind =
            switch status {
            case 401, 403: .credentialsRejected
            case 404: .notFound
            default: code == "ResourceNotFoundException" ? .notFound : .service
            }
        return KVSError(kind, operation: operation.name, httpStatus: status, code: code, message: message)
    }

    private func invalid(_ operation: KVSOperation, _ detail: String) -> KVSError {
        KVSError(.invalidResponse, operation: operation.name, httpStatus: status, message: "the reply \(detail)")
    }
}
