/// An SQS endpoint URL split into what a request needs: the URL to post to and the `Host` header to sign.
struct SQSEndpoint: Sendable, Equatable {
    /// `scheme://authority/`.
    var url: String
    /// The authority, as the `Host` header carries it (with the port when the URL has one).
    var host: String

    /// Accepts `http://` and `https://` URLs with a host, an optional port and an empty or `/` path
    /// (`https://sqs.eu-west-1.amazonaws.com`, `http://127.0.0.1:4566/`); nil for anything else.
    init?(_ text: String) {
        let lower = text.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }) else { return nil }
        var rest = text.dropFirst(scheme.count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains(where: { "/?#@ ".contains($0) }) else { return nil }
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port),
                colon != rest.startIndex
            else { return nil }
        }
        host = String(rest)
        url = scheme + rest + "/"
    }
}
