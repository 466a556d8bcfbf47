/// The parts of an HTTP request that Signature Version 4 signs.
public struct SigV4Request: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path as sent on the wire, e.g. `/` or `/123456789012/my-queue`. The canonical URI encodes each
    /// segment of it once more, as AWS does for every service but S3.
    public var path: String
    /// Query parameters, not percent-encoded, in any order (the canonical query string sorts them).
    public var query: [(name: String, value: String)]
    /// Headers to sign, as sent, including `Host`. A name given more than once is signed with its values
    /// joined by commas, in order. The signer adds `X-Amz-Date` and, with a session token,
    /// `X-Amz-Security-Token`.
    public var headers: [(name: String, value: String)]
    /// The payload, hashed into the signature.
    public var body: [UInt8]

    public init(
        method: String, path: String = "/", query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// What signing a ``SigV4Request`` produced: the headers to add to the request, and the intermediate strings
/// (for tests and for debugging a `SignatureDoesNotMatch`, whose AWS message quotes both).
public struct SignedRequest: Sendable {
    /// The headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` with a session token, and
    /// `Authorization`, in that order.
    public var headers: [(name: String, value: String)]
    /// The canonical request (method, URI, query, headers, signed header names, payload hash).
    public var canonicalRequest: String
    /// `AWS4-HMAC-SHA256`, the date, the credential scope and the canonical request's SHA-256, one per line.
    public var stringToSign: String
    /// The hex HMAC-SHA256 of ``stringToSign`` under the derived signing key.
    public var signature: String
    /// The `Authorization` header's value.
    public var authorization: String
}
