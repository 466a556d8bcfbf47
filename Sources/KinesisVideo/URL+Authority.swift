public import FoundationEssentials

extension URL {
    /// What an HTTP client sends as `Host` for this URL, and so what SigV4 signs: the host, with `:port` when the
    /// URL spells one (`127.0.0.1:8443`; `kinesisvideo.us-west-2.amazonaws.com`). An IPv6 literal keeps its brackets.
    /// nil when the URL has no host.
    public var hostHeader: String? {
        guard let host = host(percentEncoded: false), !host.isEmpty else { return nil }
        let name = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }

    /// This URL with `path` put in place of its own (its query and fragment dropped), e.g. the ICE config's
    /// `https://…/v1/get-ice-server-config` from the HTTPS endpoint.
    func replacingPath(_ path: String) -> URL? {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedPath = path
        components.percentEncodedQuery = nil
        components.fragment = nil
        return components.url
    }
}
