import Crypto

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`) in the `Authorization` header.
///
/// Follows "Create a signed AWS API request" in the IAM user guide and reproduces AWS's published SigV4 test
/// suite. Paths are not normalised (no `.`/`..` removal): the clients here only sign paths they built.
public struct SigV4Signer: Sendable {
    /// The key pair that signs, and the session token that is sent and signed with it.
    public var credentials: AWSCredentials
    /// The region of the endpoint, e.g. `eu-west-1`.
    public var region: String
    /// The signing name of the service, e.g. `sqs`.
    public var service: String

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
        let canonicalRequest = [
            request.method,
            Canonical.uri(request.path),
            Canonical.queryString(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
        let scope = credentialScope(date)
        let stringToSign = [
            "AWS4-HMAC-SHA256", date.dateTime, scope, hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signature = hex(
            HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(date)))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        added.append((name: "Authorization", value: authorization))
        return SignedRequest(
            headers: added, canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            authorization: authorization)
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
