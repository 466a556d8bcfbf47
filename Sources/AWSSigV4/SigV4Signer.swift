import Crypto

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`): in the `Authorization` header (``sign(_:date:)``)
/// or in the query string of a URL (``presign(_:date:expires:payloadHash:)``).
///
/// Follows "Create a signed AWS API request" in the IAM user guide and reproduces AWS's published SigV4 test
/// suite and S3's presigned-URL example. Paths are not normalised (no `.`/`..` removal): the clients here only sign
/// paths they built.
public struct SigV4Signer: Sendable {
    /// The key pair that signs, and the session token that is sent and signed with it.
    public var credentials: AWSCredentials
    /// The region of the endpoint, e.g. `eu-west-1`.
    public var region: String
    /// The signing name of the service, e.g. `sqs`.
    public var service: String

    /// `AWS4-HMAC-SHA256`, the only algorithm this signer speaks.
    public static let algorithm = "AWS4-HMAC-SHA256"

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// `date/region/service/aws4_request`.
    public func credentialScope(_ date: AmzDate) -> String {
        "\(date.date)/\(region)/\(service)/aws4_request"
    }

    /// Signs `request` as made at `date`; returns the headers to add and the intermediate strings.
    public func sign(_ request: SigV4Request, date: AmzDate) -> SignedRequest {
        var added = [(name: "X-Amz-Date", value: date.dateTime)]
        if let token = credentials.sessionToken {
            added.append((name: "X-Amz-Security-Token", value: token))
        }
        let headers = Canonical.headers(request.headers + added)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let parts = signature(
            request, query: request.query, headers: headers, payloadHash: hex(SHA256.hash(data: request.body)),
            date: date)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(date)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(parts.signature)"
        added.append((name: "Authorization", value: authorization))
        return SignedRequest(
            headers: added, canonicalRequest: parts.canonicalRequest, stringToSign: parts.stringToSign,
            signature: parts.signature, authorization: authorization)
    }

    /// Presigns `request` as made at `date`, valid for `expires` seconds: the authentication goes into the query
    /// string (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, with a
    /// session token `X-Amz-Security-Token` — signed, as KVS and S3 expect — and `X-Amz-Signature` last).
    ///
    /// The request's headers (at least `Host`) are the signed headers; its body is not looked at: `payloadHash` is
    /// what the canonical request ends with — `UNSIGNED-PAYLOAD` for S3, the SHA-256 of the empty body
    /// (``emptyPayloadHash``) for KVS's signaling WebSocket.
    public func presign(_ request: SigV4Request, date: AmzDate, expires: Int, payloadHash: String) -> PresignedRequest {
        let headers = Canonical.headers(request.headers)
        var authentication = [
            (name: "X-Amz-Algorithm", value: Self.algorithm),
            (name: "X-Amz-Credential", value: "\(credentials.accessKeyID)/\(credentialScope(date))"),
            (name: "X-Amz-Date", value: date.dateTime),
            (name: "X-Amz-Expires", value: String(expires)),
            (name: "X-Amz-SignedHeaders", value: headers.map(\.name).joined(separator: ";")),
        ]
        if let token = credentials.sessionToken {
            authentication.append((name: "X-Amz-Security-Token", value: token))
        }
        let query = request.query + authentication
        let parts = signature(request, query: query, headers: headers, payloadHash: payloadHash, date: date)
        return PresignedRequest(
            query: query + [(name: "X-Amz-Signature", value: parts.signature)],
            canonicalRequest: parts.canonicalRequest, stringToSign: parts.stringToSign, signature: parts.signature)
    }

    /// The SHA-256 of an empty body, in hex: the payload hash of a request without one.
    public static let emptyPayloadHash = hex(SHA256.hash(data: [UInt8]()))

    /// The canonical request over `query` and the already canonical `headers`, the string to sign, the signature.
    private func signature(
        _ request: SigV4Request, query: [(name: String, value: String)], headers: [(name: String, value: String)],
        payloadHash: String, date: AmzDate
    ) -> (canonicalRequest: String, stringToSign: String, signature: String) {
        let canonicalRequest = [
            request.method,
            Canonical.uri(request.path),
            Canonical.queryString(query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            headers.map(\.name).joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
        let stringToSign = [
            Self.algorithm, date.dateTime, credentialScope(date),
            hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signature = hex(
            HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date)))
        return (canonicalRequest, stringToSign, signature)
    }

    /// HMAC chain `"AWS4" + secret` → date → region → service → `aws4_request`.
    func signingKey(_ date: AmzDate) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [date.date, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }
}

/// Lower-case hex of a digest.
func hex(_ digest: some Sequence<UInt8>) -> String {
    let alphabet = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in digest {
        out.append(alphabet[Int(byte >> 4)])
        out.append(alphabet[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
