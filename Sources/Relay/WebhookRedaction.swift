/// A webhook target as the status page, metrics and logs may show it: webhook URLs often carry secrets in
/// their userinfo (`https://user:pass@…`), query string (`?token=…`) or headers (`Authorization`), so those
/// are replaced by `***` and only the scheme, host, port and path remain.
public enum WebhookRedaction {
    /// `https://***@hooks.example.com/in?***` for `https://bot:s3cret@hooks.example.com/in?key=abc#x`.
    public static func url(_ url: String) -> String {
        var rest = Substring(url)
        var result = ""
        if let schemeEnd = rest.firstRange(of: "://") {
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            result += "***@" + authority[authority.index(after: at)...]
        } else {
            result += authority
        }
        rest = rest[authorityEnd...]
        let pathEnd = rest.firstIndex { $0 == "?" || $0 == "#" } ?? rest.endIndex
        result += rest[..<pathEnd]
        if pathEnd < rest.endIndex { result += rest[pathEnd] == "?" ? "?***" : "#***" }
        return result
    }

    /// The target's label: its redacted URL, then its header names with `***` for values.
    public static func label(url: String, headers: [(String, String)]) -> String {
        let names = headers.map { "\($0.0): ***" }
        return "webhook:" + Self.url(url) + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")
    }
}
