public import SignalingProtocol

/// How webrtcbin wants an ICE server: `stun://host:port` for the `stun-server` property,
/// `turn(s)://user:pass@host:port` for the `add-turn-server` signal.
extension ICEServer {
    /// The first `stun:` URL as webrtcbin's `stun://host:port` (port 3478 when absent).
    public var webrtcbinSTUNServer: String? {
        for url in urls {
            guard let (scheme, hostPort, _) = Self.split(url), scheme == "stun" else { continue }
            return "stun://" + Self.withDefaultPort(hostPort)
        }
        return nil
    }

    /// Every `turn:`/`turns:` URL as webrtcbin's `turn(s)://user:password@host:port[?transport=…]`, with the user
    /// name and credential percent-encoded.
    public var webrtcbinTURNServers: [String] {
        urls.compactMap { url in
            guard let (scheme, hostPort, query) = Self.split(url), scheme == "turn" || scheme == "turns" else {
                return nil
            }
            let user = Self.percentEncoded(username ?? "")
            let password = Self.percentEncoded(credential ?? "")
            let port = Self.withDefaultPort(hostPort, port: scheme == "turns" ? 5349 : 3478)
            return "\(scheme)://\(user):\(password)@\(port)" + (query.map { "?" + $0 } ?? "")
        }
    }

    /// `scheme:host[:port][?query]` (RFC 7064/7065) → parts; also tolerates `scheme://`.
    static func split(_ url: String) -> (scheme: String, hostPort: String, query: String?)? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let scheme = url[..<colon].lowercased()
        var rest = url[url.index(after: colon)...]
        while rest.hasPrefix("/") { rest = rest.dropFirst() }
        var query: String?
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        guard !rest.isEmpty else { return nil }
        return (scheme, String(rest), query)
    }

    static func withDefaultPort(_ hostPort: String, port: Int = 3478) -> String {
        // "host", "host:port", "[v6]", "[v6]:port"
        if hostPort.hasPrefix("[") {
            return hostPort.hasSuffix("]") ? "\(hostPort):\(port)" : hostPort
        }
        return hostPort.contains(":") ? hostPort : "\(hostPort):\(port)"
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
