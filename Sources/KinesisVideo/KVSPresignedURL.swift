public import AWSSigV4
public import FoundationEssentials

/// The URL a client opens the signaling WebSocket with: the channel's WSS endpoint with `X-Amz-ChannelARN` (and a
/// viewer's `X-Amz-ClientId`), presigned with SigV4 query parameters for service `kinesisvideo` — valid 299 s, only
/// the `host` header signed, the payload hash that of the empty body, the session token signed in the query.
public enum KVSPresignedURL {
    /// `X-Amz-Expires`, as the KVS SDKs sign it.
    public static let expires = 299

    /// The master's URL: `wss://…/?X-Amz-ChannelARN=…&X-Amz-Algorithm=…&…&X-Amz-Signature=…`.
    public static func master(
        wss: URL, arn: ChannelARN, credentials: AWSCredentials, region: String, date: AmzDate
    ) throws(KVSError) -> URL {
        try presigned(wss, [(name: "X-Amz-ChannelARN", value: arn.value)], credentials, region, date).url
    }

    /// A viewer's URL, with `X-Amz-ClientId=<clientId>` after the channel ARN.
    public static func viewer(
        wss: URL, arn: ChannelARN, clientId: String, credentials: AWSCredentials, region: String, date: AmzDate
    ) throws(KVSError) -> URL {
        let query = [(name: "X-Amz-ChannelARN", value: arn.value), (name: "X-Amz-ClientId", value: clientId)]
        return try presigned(wss, query, credentials, region, date).url
    }

    /// The URL and the signature's intermediate strings.
    public static func presigned(
        _ wss: URL, _ query: [(name: String, value: String)], _ credentials: AWSCredentials, _ region: String,
        _ date: AmzDate
    ) throws(KVSError) -> (url: URL, presigned: PresignedRequest) {
        let path = wss.path(percentEncoded: true).isEmpty ? "/" : wss.path(percentEncoded: true)
        guard let host = wss.hostHeader, let scheme = wss.scheme?.lowercased(), ["wss", "ws"].contains(scheme) else {
            throw KVSError(
                .configuration, operation: "ConnectAsMaster", message: "\"\(wss.absoluteString)\" is not a wss:// URL")
        }
        let signer = SigV4Signer(credentials: credentials, region: region, service: KVSOperation.service)
        let presigned = signer.presign(
            SigV4Request(method: "GET", path: path, query: query, headers: [(name: "host", value: host)]),
            date: date, expires: expires, payloadHash: SigV4Signer.emptyPayloadHash)
        guard let url = URL(string: "\(scheme)://\(host)\(path)?\(presigned.queryString)") else {
            throw KVSError(
                .configuration, operation: "ConnectAsMaster", message: "cannot presign \(wss.absoluteString)")
        }
        return (url, presigned)
    }
}
