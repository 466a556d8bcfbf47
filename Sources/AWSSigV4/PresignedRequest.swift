/// What presigning a ``SigV4Request`` produced: the query items to send, and the intermediate strings (for tests,
/// and for a `SignatureDoesNotMatch`, whose AWS message quotes them).
public struct PresignedRequest: Sendable {
    /// The request's own query items, then `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (with a session token) and `X-Amz-Signature`; not encoded.
    public var query: [(name: String, value: String)]
    /// The canonical request (method, URI, the sorted query without the signature, headers, signed header names,
    /// payload hash).
    public var canonicalRequest: String
    /// `AWS4-HMAC-SHA256`, the date, the credential scope and the canonical request's SHA-256, one per line.
    public var stringToSign: String
    /// The hex HMAC-SHA256 of ``stringToSign`` under the derived signing key (also the last query item).
    public var signature: String

    /// ``query`` as a URL's query string (without the `?`), in that order, names and values percent-encoded as
    /// SigV4 encodes them (RFC 3986: everything but `A–Z a–z 0–9 - _ . ~`, so `/` is `%2F`).
    public var queryString: String {
        Canonical.joined(Canonical.encoded(query))
    }
}
